package bench

import (
	"sync/atomic"
	"time"

	"github.com/c41db742/routecache"
	"github.com/cespare/xxhash/v2"
	"github.com/puzpuzpuz/xsync/v3"
)

// floorAdapter is routecache's design with nothing around it, the limit its
// own layers are measured against: the key hashed as routecache hashes it
// (one xxhash a field, folded position by position), an xsync MapOf keyed by
// that hash holding the entry by value, a full-key compare and one atomic
// load of a coarse clock on each Get. It has no shards, capacity, expiry
// index, statistics or validation; a key whose 64-bit hash equals another's
// replaces it, and the compare then turns a Get of the first into a miss, so
// it is a floor for cost, not a cache to use.
type floorAdapter struct {
	m     *xsync.MapOf[uint64, floorEntry]
	clock *floorClock
	ttl   int64 // nanoseconds

	// sequences stands for routecache's per-shard write sequence: one
	// counter a stripe, each on its own cache line, chosen by the hash.
	sequences [floorStripes]paddedSequence
}

// floorStripes is how many write sequences the floor keeps; a power of two.
const floorStripes = 16

type paddedSequence struct {
	n atomic.Uint64
	_ [56]byte // keeps the next stripe's counter off this cache line
}

// floorEntry is what routecache keeps per key: the key for the full compare,
// the route, the write and expiry times on the cache's clock and the write
// sequence.
type floorEntry struct {
	key       routecache.Key
	route     *route
	updatedAt int64
	expiresAt int64
	seq       uint64
}

// floorFieldMix is the odd constant routecache folds its field hashes with.
const floorFieldMix = 0x9e3779b97f4a7c15

// floorHash is routecache's key hash: xxhash of each field, folded so that
// the fields' positions matter.
func floorHash(k routecache.Key) uint64 {
	h := xxhash.Sum64String(k.Channel)
	h = h*floorFieldMix + xxhash.Sum64String(k.Bridge)
	h = h*floorFieldMix + xxhash.Sum64String(k.Room)
	return h*floorFieldMix + xxhash.Sum64String(k.Thread)
}

func openFloor(opts cacheOptions) (cacheUnderTest, error) {
	return &floorAdapter{
		// The key is already a hash: the map uses it as it is.
		m:     xsync.NewMapOfWithHasher[uint64, floorEntry](func(h, _ uint64) uint64 { return h }),
		clock: startFloorClock(),
		ttl:   int64(opts.ttl),
	}, nil
}

func (a *floorAdapter) Get(k *benchKey) (*route, bool) {
	e, ok := a.m.Load(floorHash(k.key))
	if !ok || e.key != k.key || e.expiresAt <= a.clock.nanos.Load() {
		return nil, false
	}
	return e.route, true
}

func (a *floorAdapter) Set(k *benchKey, r *route) bool {
	h := floorHash(k.key)
	now := a.clock.nanos.Load()
	a.m.Store(h, floorEntry{
		key:       k.key,
		route:     r,
		updatedAt: now,
		expiresAt: now + a.ttl,
		seq:       a.sequences[h%floorStripes].n.Add(1),
	})
	return true
}

// Settle returns at once: a Store is visible when it returns.
func (a *floorAdapter) Settle() {}

func (a *floorAdapter) Close() {
	a.clock.stop()
	a.m.Clear()
}

// floorClock is a coarse monotonic clock like routecache's default one: a
// goroutine stores the nanoseconds since start every millisecond, and a
// reader pays one atomic load.
type floorClock struct {
	start time.Time    // nanos counts from here
	nanos atomic.Int64 // written only by the ticking goroutine
	done  chan struct{}
}

func startFloorClock() *floorClock {
	start := time.Now()
	c := &floorClock{start: start, done: make(chan struct{})}
	go func() {
		ticker := time.NewTicker(time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				c.nanos.Store(int64(time.Since(start)))
			case <-c.done:
				return
			}
		}
	}()
	return c
}

func (c *floorClock) stop() { close(c.done) }
