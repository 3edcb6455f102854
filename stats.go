package routecache

import (
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Stats is a snapshot of a cache's counters since New. Counters are read one
// by one while operations go on, so a snapshot taken under load is not
// atomic across fields.
type Stats struct {
	Entries int `json:"entries"` // entries held, expired-but-unswept included; equals Len

	Sets         uint64 `json:"sets"`          // successful Set and SetWithTTL calls
	Hits         uint64 `json:"hits"`          // exact hits of Get, Resolve and ResolveWith
	RoomHits     uint64 `json:"room_hits"`     // Resolve and ResolveWith answers from the room's route
	FallbackHits uint64 `json:"fallback_hits"` // Resolve and ResolveWith answers from a supplied fallback

	Misses      uint64 `json:"misses"`      // Get's ErrNotFound and ErrExpired; Resolve's and ResolveWith's ErrNoRoute, ErrLoad, ErrInvalidRoute
	Stale       uint64 `json:"stale"`       // expired entries met by a lookup
	Evictions   uint64 `json:"evictions"`   // entries removed for capacity (EvictCapacity)
	Expirations uint64 `json:"expirations"` // expired entries removed (EvictExpired)

	Loads      uint64 `json:"loads"`       // loader calls ResolveWith made: one per load, however many callers shared it
	LoadErrors uint64 `json:"load_errors"` // loads that gave no route to store: an error, a panic, a negative TTL or a route Validate rejected
}

// counterStripe is one stripe of the counters. 80 bytes of counters padded
// to 128 bytes: two cache lines, so neither a neighbour nor the adjacent-line
// prefetcher makes two stripes share traffic.
type counterStripe struct {
	sets, hits, roomHits, fallbackHits    atomic.Uint64
	misses, stale, evictions, expirations atomic.Uint64
	loads, loadErrors                     atomic.Uint64
	_                                     [48]byte
}

// counters spreads the cache's counters over stripes so that goroutines on
// different cores increment different cache lines. A goroutine picks its
// stripe from the address of its own stack: unlike a stripe picked by the
// key's hash, it spreads the hits of one hot key, and unlike a random
// stripe it costs no random number. BenchmarkCounterStripe (stats_test.go)
// compares the four; its figures are in bench/results-notes.md.
type counters struct {
	stripes []counterStripe
	shift   uint // 64 - log2(len(stripes))
}

func newCounters() counters {
	n := 1 << bits.Len(uint(4*runtime.GOMAXPROCS(0)-1)) // a power of two ≥ 4 per P
	n = min(n, 256)
	return counters{stripes: make([]counterStripe, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
}

// stripe returns the calling goroutine's stripe.
func (c *counters) stripe() *counterStripe {
	var marker byte
	// The address of a stack variable is only hashed, never turned back into
	// a pointer. Goroutine stacks are separate allocations of at least 2 KiB,
	// so without its low 11 bits the address mostly differs between
	// goroutines; a collision or a moved stack only shares a stripe.
	addr := uint64(uintptr(unsafe.Pointer(&marker))) >> 11
	return &c.stripes[(addr*0x9e3779b97f4a7c15)>>c.shift]
}

// lookups is the number of lookups answered so far: hits of every kind and
// misses. Cost: four atomic loads a stripe.
func (c *counters) lookups() uint64 {
	var n uint64
	for i := range c.stripes {
		st := &c.stripes[i]
		n += st.hits.Load() + st.roomHits.Load() + st.fallbackHits.Load() + st.misses.Load()
	}
	return n
}

// snapshot adds the stripes up.
func (c *counters) snapshot() Stats {
	var s Stats
	for i := range c.stripes {
		st := &c.stripes[i]
		s.Sets += st.sets.Load()
		s.Hits += st.hits.Load()
		s.RoomHits += st.roomHits.Load()
		s.FallbackHits += st.fallbackHits.Load()
		s.Misses += st.misses.Load()
		s.Stale += st.stale.Load()
		s.Evictions += st.evictions.Load()
		s.Expirations += st.expirations.Load()
		s.Loads += st.loads.Load()
		s.LoadErrors += st.loadErrors.Load()
	}
	return s
}
