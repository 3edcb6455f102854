package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/c41db742/routecache"
)

// newTestWorker returns a worker over smallPopulationConfig's population and
// a cache on a fake clock with a one-minute TTL and no background sweep.
func newTestWorker(t *testing.T) (*worker, *routecache.FakeClock) {
	t.Helper()
	cfg := smallPopulationConfig()
	cfg.TTL = time.Minute
	pop := newPopulation(cfg)
	pick := newPicker(cfg.Mix)
	w := newWorker(0, cfg, pop, &pick, newStopwatch())
	clock := routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	cache, err := routecache.New(routecache.Config[string]{TTL: cfg.TTL, PruneInterval: -1, Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { cache.Close() })
	w.cache = cache
	return w, clock
}

func TestWorkerClassifiesEveryLookup(t *testing.T) {
	w, clock := newTestWorker(t)
	p := w.population
	const room, thread1, thread2, thread3 = 10, 11, 12, 13 // room 2 and three of its threads

	w.do(opResolve, thread1)
	assert.Equal(t, outcomes{fallback: 1}, w.outcomes, "a new session resolves through the fallback")
	w.do(opResolve, thread1)
	assert.Equal(t, outcomes{fallback: 1, exact: 1}, w.outcomes, "and sticks to it")
	w.do(opGet, thread3)
	assert.Equal(t, outcomes{fallback: 1, exact: 1, miss: 1}, w.outcomes, "a get without a route misses")

	w.do(opSet, room)
	w.do(opResolve, thread2)
	assert.Equal(t, outcomes{fallback: 1, exact: 1, miss: 1, room: 1}, w.outcomes, "a thread resolves through its room")

	clock.Advance(time.Minute + time.Millisecond)
	w.do(opGet, thread1)
	assert.Equal(t, outcomes{fallback: 1, exact: 1, miss: 2, room: 1, stale: 1}, w.outcomes, "an expired route is a stale miss")
	w.do(opResolve, thread2)
	assert.Equal(t, outcomes{fallback: 2, exact: 1, miss: 2, room: 1, stale: 2}, w.outcomes, "thread and room expired: a stale fallback")

	w.do(opMove, room)
	record, err := w.cache.Get(p.key(room))
	require.NoError(t, err)
	assert.Equal(t, p.currentRoute(room), record.Route, "a move sets the room's new route")
	assert.NotEqual(t, p.fallbackRoute(room), record.Route)
	w.do(opResolve, thread3)
	assert.Equal(t, uint64(2), w.outcomes.room, "the moved room's thread follows it")

	w.do(opDelete, thread3)
	_, err = w.cache.Get(p.key(thread3))
	assert.ErrorIs(t, err, routecache.ErrNotFound, "a delete ends the conversation's route")

	assert.Equal(t, [operationCount]uint64{}, w.failures)
	// The cache saw the worker's lookups and the test's own two Gets: a hit
	// on the moved room, a miss after the delete.
	stats := w.cache.Stats()
	assert.Equal(t, w.outcomes.exact+1, stats.Hits)
	assert.Equal(t, w.outcomes.room, stats.RoomHits)
	assert.Equal(t, w.outcomes.fallback, stats.FallbackHits)
	assert.Equal(t, w.outcomes.miss+1, stats.Misses)
}

func TestWorkerCountsFailures(t *testing.T) {
	w, _ := newTestWorker(t)
	require.NoError(t, w.cache.Close())
	w.do(opSet, 0)
	w.do(opMove, 0)
	w.do(opGet, 0)
	w.do(opResolve, 0)
	assert.Equal(t, uint64(1), w.failures[opSet], "Set on a closed cache")
	assert.Equal(t, uint64(1), w.failures[opMove])
	assert.Equal(t, uint64(1), w.failures[opGet])
	assert.Zero(t, w.failures[opResolve], "a closed cache still answers Resolve with the fallback")
	assert.Equal(t, outcomes{fallback: 1}, w.outcomes)
}

func TestWorkerDrawsSessionsByTheWave(t *testing.T) {
	cfg := smallPopulationConfig()
	cfg.Regulars = 10
	pick := newPicker(cfg.Mix)
	draw := func(w *worker) (belowRegulars, aboveRegulars int) {
		for range 1000 {
			session := w.nextSession()
			require.GreaterOrEqual(t, session, 0)
			require.Less(t, session, cfg.Sessions)
			if session < cfg.Regulars {
				belowRegulars++
			} else {
				aboveRegulars++
			}
		}
		return belowRegulars, aboveRegulars
	}

	w := newWorker(0, cfg, newPopulation(cfg), &pick, newStopwatch())
	w.bursting = false
	_, above := draw(w)
	assert.Zero(t, above, "between bursts only the regulars talk")
	w.bursting = true
	_, above = draw(w)
	assert.Greater(t, above, 400, "a burst brings newcomers: half its draws are uniform over 1,003 sessions")

	cfg.BurstEvery = 0
	steady := newWorker(0, cfg, newPopulation(cfg), &pick, newStopwatch())
	below, above := draw(steady)
	assert.Positive(t, below)
	assert.Positive(t, above, "steady traffic draws from the whole population")
}

func TestWorkerRoutesWithoutAllocating(t *testing.T) {
	w, _ := newTestWorker(t)
	const thread = 11
	w.do(opResolve, thread)
	// The workload adds no garbage of its own: drawing a session, building
	// its key and routing it allocate nothing, so the GC figures of a run are
	// the cache's.
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.nextSession() }), "drawing a session")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.do(opResolve, thread) }), "resolve on a hit")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.do(opGet, thread) }), "get on a hit")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.do(opDelete, thread+1) }), "delete of nothing")
}
