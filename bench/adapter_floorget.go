package bench

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/c41db742/routecache"
)

// floorGetAdapter is the floor (adapter_floor.go) with what the SPEC asks of
// every Get hit on top of the lookup: the key checked (channel, bridge and
// room non-empty, at most routecache's default MaxKeyBytes), a closed flag
// read, the hit counted on a striped counter, and the answer returned as a
// routecache.Record carrying its two time.Time. Set, Settle and Close are
// the floor's. It is the floor of any implementation of routecache's Get on
// this design: routecache's distance from it is what its own layers (shards,
// expiry index, collision groups, the exact-expiry check) cost on a hit, and
// its distance from floor is the price of the SPEC's answer.
type floorGetAdapter struct {
	*floorAdapter
	closed atomic.Bool
	hits   [floorStripes]paddedSequence
}

func openFloorGet(opts cacheOptions) (cacheUnderTest, error) {
	floor, err := openFloor(opts)
	if err != nil {
		return nil, err
	}
	return &floorGetAdapter{floorAdapter: floor.(*floorAdapter)}, nil
}

func (a *floorGetAdapter) Get(k *benchKey) (*route, bool) {
	rec, err := a.get(&k.key)
	return rec.Route, err == nil
}

// get answers as routecache's Get does on a hit, and with a sentinel error
// otherwise.
func (a *floorGetAdapter) get(k *routecache.Key) (routecache.Record[*route], error) {
	if k.Channel == "" || k.Bridge == "" || k.Room == "" ||
		len(k.Channel)+len(k.Bridge)+len(k.Room)+len(k.Thread) > routecache.DefaultMaxKeyBytes {
		return routecache.Record[*route]{}, routecache.ErrInvalidKey
	}
	if a.closed.Load() {
		return routecache.Record[*route]{}, routecache.ErrClosed
	}
	e, ok := a.m.Load(floorHash(*k))
	if !ok || e.key != *k || e.expiresAt <= a.clock.nanos.Load() {
		return routecache.Record[*route]{}, routecache.ErrNotFound
	}
	a.hitStripe().n.Add(1)
	return routecache.Record[*route]{
		Route:     e.route,
		UpdatedAt: a.clock.start.Add(time.Duration(e.updatedAt)),
		ExpiresAt: a.clock.start.Add(time.Duration(e.expiresAt)),
	}, nil
}

// hitStripe picks the calling goroutine's stripe as routecache's counters
// do, by the address of its stack, so goroutines reading one hot key count
// on different cache lines.
func (a *floorGetAdapter) hitStripe() *paddedSequence {
	var marker byte
	addr := uint64(uintptr(unsafe.Pointer(&marker))) >> 11
	return &a.hits[(addr*floorFieldMix>>32)%floorStripes]
}

func (a *floorGetAdapter) Close() {
	a.closed.Store(true)
	a.floorAdapter.Close()
}
