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
	pick := newPicker(cfg.Mix)
	w := newWorker(0, cfg, newPopulation(cfg), &pick)
	clock := routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	cache, err := routecache.New(routecache.Config[string]{TTL: time.Minute, PruneInterval: -1, Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { cache.Close() })
	w.cache = cache
	return w, clock
}

func TestWorkerOperationsReachTheCache(t *testing.T) {
	w, clock := newTestWorker(t)
	p := w.population
	const room, thread1, thread2, thread3 = 10, 11, 12, 13 // room 2 and three of its threads

	w.do(opResolve, thread1) // fallback
	w.do(opResolve, thread1) // exact
	w.do(opGet, thread3)     // miss
	w.do(opSet, room)
	w.do(opResolve, thread2) // room
	clock.Advance(time.Minute + time.Millisecond)
	w.do(opGet, thread1)     // stale miss
	w.do(opResolve, thread2) // stale fallback
	stats := w.cache.Stats()
	assert.Equal(t, Lookups{Exact: 1.0 / 6, Room: 1.0 / 6, Fallback: 2.0 / 6, Miss: 2.0 / 6},
		lookupsOf(stats, routecache.Stats{}), "the report's lookup mix is the cache's Stats")
	assert.Equal(t, uint64(1), stats.Sets)

	w.do(opMove, room)
	record, err := w.cache.Get(p.key(room))
	require.NoError(t, err)
	assert.Equal(t, p.currentRoute(room), record.Route, "a move sets the room's new route")
	assert.NotEqual(t, p.fallbackRoute(room), record.Route)
	w.do(opDelete, room)
	_, err = w.cache.Get(p.key(room))
	assert.ErrorIs(t, err, routecache.ErrNotFound, "a delete ends the conversation's route")
	assert.Equal(t, [operationCount]uint64{}, w.failures, "nothing the workload does fails")
}

func TestWorkerCountsFailures(t *testing.T) {
	w, _ := newTestWorker(t)
	require.NoError(t, w.cache.Close())
	for op := range operationCount {
		w.do(op, 0)
	}
	want := [operationCount]uint64{opSet: 1, opMove: 1, opGet: 1}
	assert.Equal(t, want, w.failures, "a closed cache refuses Set and Get, and still resolves through the fallback")
}

func TestWorkerDrawsSessionsByTheWave(t *testing.T) {
	cfg := smallPopulationConfig()
	cfg.Regulars = 10
	pick := newPicker(cfg.Mix)
	draw := func(w *worker) (regulars, others int) {
		for range 1000 {
			session := w.nextSession()
			require.GreaterOrEqual(t, session, 0)
			require.Less(t, session, cfg.Sessions)
			if session < cfg.Regulars {
				regulars++
			} else {
				others++
			}
		}
		return regulars, others
	}

	w := newWorker(0, cfg, newPopulation(cfg), &pick)
	w.bursting = false
	_, others := draw(w)
	assert.Zero(t, others, "between bursts only the regulars talk")
	w.bursting = true
	_, others = draw(w)
	assert.Greater(t, others, 400, "a burst brings newcomers: half its draws are uniform over 1,003 sessions")

	cfg.BurstEvery = 0
	regulars, others := draw(newWorker(0, cfg, newPopulation(cfg), &pick))
	assert.Positive(t, regulars)
	assert.Positive(t, others, "steady traffic draws from the whole population")
}

func TestWorkerRoutesWithoutAllocating(t *testing.T) {
	w, _ := newTestWorker(t)
	const thread = 11
	w.do(opResolve, thread)
	// The workload adds no garbage of its own, so the GC figures of a run
	// are the cache's.
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.nextSession() }), "drawing a session")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.do(opResolve, thread) }), "resolve on a hit")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.do(opGet, thread) }), "get on a hit")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { w.do(opDelete, thread+1) }), "delete of nothing")
}
