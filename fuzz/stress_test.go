package fuzz

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/c41db742/routecache"
)

// The stress test: many goroutines mix every operation on one cache while
// another goroutine ticks the FakeClock and the background sweep runs every
// millisecond. Run it under -race. Each worker owns a few keys that only it
// writes, so it knows their history exactly and checks every answer about
// them as it goes; the shared keys are written by everyone. At the end the
// test checks the invariants the SPEC promises once every operation has
// returned.

const (
	stressWorkers  = 8
	stressShards   = 4
	stressCapacity = 12
	stressTTL      = time.Second // FakeClock time
	// The ticker moves the clock by stressTick whenever a worker has done
	// another opsPerTick operations: a few dozen TTLs pass during the test,
	// so entries both expire and get evicted for capacity, however fast the
	// machine runs the workers.
	stressTick = stressTTL / 8
	opsPerTick = 16
)

// stressRoute identifies one write: no two Set calls store the same value.
// writer -1 marks a route Validate rejects.
type stressRoute struct {
	writer int32
	seq    int32
}

// stressWrite is one (key, route) pair; a key may hold a route more than
// once when Resolve copies a room's route to a thread again.
type stressWrite struct {
	key   routecache.Key
	route stressRoute
}

// stressWorker is one goroutine's view: the history of the keys it owns and
// its counts of what the cache answered.
type stressWorker struct {
	id    int
	cache *routecache.Cache[stressRoute]
	rng   *rand.Rand
	seq   int32
	tick  chan<- struct{} // asks the ticker to move the clock

	owned  []routecache.Key
	shared []routecache.Key
	// last is the route each owned key was last given, by Set or by a
	// Resolve that stored; absent when the worker deleted it or saw it gone.
	// The key may have left the cache since (capacity, expiry): then an
	// OnEvict call for exactly that write must exist.
	last map[routecache.Key]stressRoute
	// stores counts the writes this worker made, per key and route.
	stores map[stressWrite]int
	// deleted lists the writes this worker's Delete calls removed.
	deleted []stressWrite

	sets, hits, roomHits, fallbackHits, misses uint64
	getExpired, staleResolves, resolves        uint64

	problems []string
}

func (w *stressWorker) problem(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf("worker %d: ", w.id)+fmt.Sprintf(format, args...))
}

func (w *stressWorker) newRoute() stressRoute {
	w.seq++
	return stressRoute{writer: int32(w.id), seq: w.seq}
}

func (w *stressWorker) key() (routecache.Key, bool) {
	if w.rng.IntN(3) == 0 {
		return w.shared[w.rng.IntN(len(w.shared))], false
	}
	return w.owned[w.rng.IntN(len(w.owned))], true
}

// run performs ops random operations, stopping at the first problem.
func (w *stressWorker) run(ops int) {
	for i := 0; i < ops && len(w.problems) == 0; i++ {
		if i%opsPerTick == 0 {
			select {
			case w.tick <- struct{}{}:
			default: // a tick is pending already
			}
		}
		k, owned := w.key()
		switch w.rng.IntN(12) {
		case 0, 1:
			w.set(k, owned, 0)
		case 2:
			ttl := []time.Duration{0, stressTTL / 4, 3 * stressTTL, -time.Nanosecond}[w.rng.IntN(4)]
			w.set(k, owned, ttl)
		case 3, 4:
			w.get(k, owned)
		case 5, 6:
			w.resolve(k, owned)
		case 7:
			w.delete(k, owned)
		case 8:
			w.cache.Prune()
		case 9:
			w.all()
		case 10:
			if s := w.cache.Stats(); s.Entries < 0 || s.Entries > stressShards*stressCapacity+stressWorkers {
				w.problem("Stats().Entries = %d", s.Entries)
			}
		case 11:
			w.badInput()
		}
	}
}

func (w *stressWorker) set(k routecache.Key, owned bool, ttl time.Duration) {
	r := w.newRoute()
	err := w.cache.SetWithTTL(k, r, ttl)
	if ttl < 0 {
		if !errors.Is(err, routecache.ErrInvalidTTL) {
			w.problem("SetWithTTL(%v) = %v, want ErrInvalidTTL", ttl, err)
		}
		return
	}
	if err != nil {
		w.problem("Set(%s) = %v", k, err)
		return
	}
	w.sets++
	w.stores[stressWrite{k, r}]++
	if owned {
		w.last[k] = r
	}
}

func (w *stressWorker) get(k routecache.Key, owned bool) {
	rec, err := w.cache.Get(k)
	switch {
	case err == nil:
		w.hits++
		if !owned {
			return
		}
		if want, ok := w.last[k]; !ok || rec.Route != want {
			w.problem("Get(%s) = %v, but the last write was %v (held: %v)", k, rec.Route, want, ok)
		}
	case errors.Is(err, routecache.ErrNotFound), errors.Is(err, routecache.ErrExpired):
		w.misses++
		if errors.Is(err, routecache.ErrExpired) {
			w.getExpired++
		}
		if owned {
			delete(w.last, k) // gone: by expiry, capacity eviction, or our own delete
		}
	default:
		w.problem("Get(%s) = %v", k, err)
	}
}

func (w *stressWorker) resolve(k routecache.Key, owned bool) {
	var fallbacks []stressRoute
	for range w.rng.IntN(3) {
		if w.rng.IntN(4) == 0 {
			fallbacks = append(fallbacks, stressRoute{writer: -1})
		} else {
			fallbacks = append(fallbacks, w.newRoute())
		}
	}
	w.resolves++
	res, err := w.cache.Resolve(k, fallbacks...)
	if errors.Is(err, routecache.ErrNoRoute) {
		w.misses++
		if owned {
			delete(w.last, k)
		}
		return
	}
	if err != nil {
		w.problem("Resolve(%s) = %v", k, err)
		return
	}
	if res.Key != k || res.Shard != w.cache.ShardOf(k) {
		w.problem("Resolve(%s) answered for %s in shard %d", k, res.Key, res.Shard)
	}
	if res.Stale {
		w.staleResolves++
	}
	switch res.Source {
	case routecache.SourceExact:
		w.hits++
		if want, ok := w.last[k]; owned && (!ok || res.Route != want) {
			w.problem("Resolve(%s) exact = %v, but the last write was %v (held: %v)", k, res.Route, want, ok)
		}
		return
	case routecache.SourceRoom:
		w.roomHits++
		if want, ok := w.last[k.RoomScope()]; owned && (!ok || res.Route != want) {
			w.problem("Resolve(%s) room = %v, but the room's last write was %v (held: %v)", k, res.Route, want, ok)
		}
	case routecache.SourceFallback:
		w.fallbackHits++
		if first := firstValidStress(fallbacks); res.Route != first {
			w.problem("Resolve(%s) fallback = %v, want the first valid %v", k, res.Route, first)
		}
	}
	w.stores[stressWrite{k, res.Route}]++
	if owned {
		w.last[k] = res.Route
	}
}

func firstValidStress(routes []stressRoute) stressRoute {
	for _, r := range routes {
		if r.writer >= 0 {
			return r
		}
	}
	return stressRoute{writer: -2}
}

func (w *stressWorker) delete(k routecache.Key, owned bool) {
	removed := w.cache.Delete(k)
	if !owned {
		return
	}
	want, held := w.last[k]
	if removed && !held {
		w.problem("Delete(%s) removed an entry the worker had seen leave", k)
	}
	if removed {
		w.deleted = append(w.deleted, stressWrite{k, want})
	}
	delete(w.last, k)
}

// all checks what All yields about the worker's own keys: only their last
// writes, never a route they no longer hold.
func (w *stressWorker) all() {
	for k, rec := range w.cache.All() {
		if k.Bridge != w.owned[0].Bridge {
			continue
		}
		if want, ok := w.last[k]; !ok || rec.Route != want {
			w.problem("All yielded %s = %v, but the last write was %v (held: %v)", k, rec.Route, want, ok)
		}
	}
}

// badInput checks that an invalid key changes nothing and says so.
func (w *stressWorker) badInput() {
	k := routecache.Key{Channel: "st", Bridge: w.owned[0].Bridge, Thread: "t"}
	if err := w.cache.Set(k, w.newRoute()); !errors.Is(err, routecache.ErrInvalidKey) {
		w.problem("Set with an empty room = %v, want ErrInvalidKey", err)
	}
	if err := w.cache.Set(w.owned[0], stressRoute{writer: -1}); !errors.Is(err, routecache.ErrInvalidRoute) {
		w.problem("Set of a rejected route = %v, want ErrInvalidRoute", err)
	}
}

// stressKeys returns the keys of one bridge: three rooms, each with its
// room scope and two threads.
func stressKeys(bridge string) []routecache.Key {
	var keys []routecache.Key
	for r := range 3 {
		for _, thread := range []string{"", "a", "b"} {
			keys = append(keys, routecache.Key{Channel: "st", Bridge: bridge, Room: fmt.Sprint("room", r), Thread: thread})
		}
	}
	return keys
}

func TestStress(t *testing.T) {
	ops := 3000
	if testing.Short() {
		ops = 500
	}
	clock := routecache.NewFakeClock(fuzzStart())
	rec := &evictRecorder[stressRoute]{}
	var self atomic.Pointer[routecache.Cache[stressRoute]]
	c, err := routecache.New(routecache.Config[stressRoute]{
		Shards:             stressShards,
		TTL:                stressTTL,
		MaxEntriesPerShard: stressCapacity,
		PruneInterval:      time.Millisecond,
		Clock:              clock,
		Validate: func(r stressRoute) error {
			if r.writer < 0 {
				return errRejectedRoute
			}
			return nil
		},
		OnEvict: func(k routecache.Key, r stressRoute, reason routecache.EvictReason) {
			rec.record(k, r, reason)
			// Re-entering the cache from the callback must not deadlock,
			// and a panicking callback must not hurt the cache.
			_ = self.Load().Len()
			if r.seq%17 == 0 {
				panic("stress: OnEvict panics on purpose")
			}
		},
	})
	require.NoError(t, err)
	self.Store(c)

	shared := stressKeys("shared")
	ticks := make(chan struct{}, 1)
	workers := make([]*stressWorker, stressWorkers)
	for i := range workers {
		workers[i] = &stressWorker{
			id:     i,
			cache:  c,
			rng:    rand.New(rand.NewPCG(uint64(i), 0x5eed)),
			owned:  stressKeys(fmt.Sprint("w", i)),
			shared: shared,
			last:   make(map[routecache.Key]stressRoute),
			stores: make(map[stressWrite]int),
			tick:   ticks,
		}
	}

	var ticking sync.WaitGroup
	ticking.Add(1)
	go func() {
		defer ticking.Done()
		for range ticks {
			clock.Advance(stressTick)
		}
	}()
	var working sync.WaitGroup
	for _, w := range workers {
		working.Add(1)
		go func() {
			defer working.Done()
			w.run(ops)
		}()
	}
	working.Wait()
	close(ticks)
	ticking.Wait()
	for _, w := range workers {
		for _, p := range w.problems {
			t.Error(p)
		}
	}

	// The clock stands still now. Prune removes everything expired, so the
	// background sweep finds nothing more; Close waits for a sweep that may
	// still be reporting what it removed before.
	c.Prune()
	live := make(map[routecache.Key]stressRoute)
	for k, r := range c.All() {
		live[k] = r.Route
	}
	n := c.Len()
	require.NoError(t, c.Close())
	calls := rec.drain(nil)
	t.Logf("final Stats %+v, %d OnEvict calls, clock moved %v", c.Stats(), len(calls), clock.Now().Sub(fuzzStart()))
	checkStressInvariants(t, c, workers, live, n, calls)
}

func checkStressInvariants(t *testing.T, c *routecache.Cache[stressRoute], workers []*stressWorker, live map[routecache.Key]stressRoute, n int, calls []evictCall[stressRoute]) {
	t.Helper()
	// Nothing expired is held, so Len counts exactly what All yielded.
	assert.Equal(t, len(live), n, "Len after Prune with the clock stopped")
	perShard := make([]int, c.Shards())
	for k := range live {
		perShard[c.ShardOf(k)]++
	}
	for i, count := range perShard {
		assert.LessOrEqual(t, count, stressCapacity, "shard %d holds more than its capacity", i)
	}

	stores := make(map[stressWrite]int)
	storesPerKey := make(map[routecache.Key]int)
	var want routecache.Stats
	var getExpired, staleResolves, resolves uint64
	for _, w := range workers {
		for wr, count := range w.stores {
			stores[wr] += count
			storesPerKey[wr.key] += count
		}
		want.Sets += w.sets
		want.Hits += w.hits
		want.RoomHits += w.roomHits
		want.FallbackHits += w.fallbackHits
		want.Misses += w.misses
		getExpired += w.getExpired
		staleResolves += w.staleResolves
		resolves += w.resolves
	}
	reported := make(map[stressWrite]int)
	reportedPerKey := make(map[routecache.Key]int)
	reasons := make(map[stressWrite][]routecache.EvictReason)
	for _, call := range calls {
		wr := stressWrite{call.key, call.route}
		reported[wr]++
		reportedPerKey[call.key]++
		reasons[wr] = append(reasons[wr], call.reason)
		switch call.reason {
		case routecache.EvictCapacity:
			want.Evictions++
		case routecache.EvictExpired:
			want.Expirations++
		}
	}

	// OnEvict never reports a write more often than it was stored.
	for wr, count := range reported {
		assert.LessOrEqual(t, count, stores[wr], "OnEvict reported %s = %v more often than it was written", wr.key, wr.route)
	}
	// Every write of a key ends held or reported once, overwrites aside:
	// a key written at least once is held or has left through OnEvict, and
	// it cannot have left (or be held) more often than it was written.
	for k, count := range storesPerKey {
		held := 0
		if _, ok := live[k]; ok {
			held = 1
		}
		assert.GreaterOrEqual(t, reportedPerKey[k]+held, 1, "%s was written but is neither held nor reported", k)
		assert.LessOrEqual(t, reportedPerKey[k]+held, count, "%s left or is held more often than it was written", k)
	}
	for k := range live {
		assert.Positive(t, storesPerKey[k], "%s is held but nobody wrote it", k)
	}
	// Every worker's own keys: the last write is held, or it left and
	// OnEvict said so; a key the worker saw leave is not held.
	for _, w := range workers {
		for _, k := range w.owned {
			last, written := w.last[k]
			got, held := live[k]
			switch {
			case written && held:
				assert.Equal(t, last, got, "%s holds a route other than its last write", k)
			case written:
				assert.Positive(t, reported[stressWrite{k, last}], "%s's last write %v left without an OnEvict call", k, last)
			case held:
				assert.Fail(t, "resurrected", "%s holds %v after its owner saw it leave", k, got)
			}
		}
		for _, d := range w.deleted {
			assert.Condition(t, func() bool {
				for _, r := range reasons[d] {
					if r == routecache.EvictDeleted || r == routecache.EvictExpired {
						return true
					}
				}
				return false
			}, "Delete removed %s = %v without an OnEvict call for it", d.key, d.route)
		}
	}

	got := c.Stats()
	assert.Equal(t, n, got.Entries, "Stats().Entries")
	// Each expired entry a lookup meets counts once in Stale: a Get that
	// answered ErrExpired met one, a stale Resolution one or two, and any
	// Resolve may have met up to two on its way to ErrNoRoute.
	assert.GreaterOrEqual(t, got.Stale, getExpired+staleResolves, "Stats().Stale")
	assert.LessOrEqual(t, got.Stale, getExpired+2*resolves, "Stats().Stale")
	got.Entries, got.Stale = 0, 0
	assert.Equal(t, want, got, "Stats against what the workers and OnEvict counted")
}
