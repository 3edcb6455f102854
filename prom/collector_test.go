package prom

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// distinctStats gives every field its own value so a test can tell which
// metric each field ended up in.
var distinctStats = routecache.Stats{
	Entries:      1,
	Sets:         2,
	Hits:         3,
	RoomHits:     4,
	FallbackHits: 5,
	Misses:       6,
	Stale:        7,
	Evictions:    8,
	Expirations:  9,
	Loads:        10,
	LoadErrors:   11,
}

// exposition is the text a Collector with the default Options reports for
// s, HELP and TYPE lines included.
func exposition(s routecache.Stats) string {
	return fmt.Sprintf(`
# HELP routecache_entries Routes held by the cache, expired routes not yet removed included.
# TYPE routecache_entries gauge
routecache_entries %d
# HELP routecache_sets_total Routes stored by successful Set and SetWithTTL calls; routes Resolve stores are not counted.
# TYPE routecache_sets_total counter
routecache_sets_total %d
# HELP routecache_resolutions_total Lookups answered with a route, by where the route came from: exact (the key's own route, by Get or Resolve), room (the room's route, by Resolve) or fallback (a route the caller supplied, by Resolve).
# TYPE routecache_resolutions_total counter
routecache_resolutions_total{source="exact"} %d
routecache_resolutions_total{source="room"} %d
routecache_resolutions_total{source="fallback"} %d
# HELP routecache_misses_total Lookups that found no route: Get finding nothing or an expired route, Resolve finding no route at all.
# TYPE routecache_misses_total counter
routecache_misses_total %d
# HELP routecache_stale_routes_total Expired routes met by Get or Resolve, each removed on the spot.
# TYPE routecache_stale_routes_total counter
routecache_stale_routes_total %d
# HELP routecache_evictions_total Routes removed by the cache itself, by reason: capacity (a full shard made room) or expired (the TTL ran out). Deletions are not counted.
# TYPE routecache_evictions_total counter
routecache_evictions_total{reason="capacity"} %d
routecache_evictions_total{reason="expired"} %d
# HELP routecache_loads_total Loads ResolveWith started: one per load, however many callers shared its answer.
# TYPE routecache_loads_total counter
routecache_loads_total %d
# HELP routecache_load_errors_total Loads that gave no route to store: the loader failed, panicked or gave a negative TTL, or Validate refused its route.
# TYPE routecache_load_errors_total counter
routecache_load_errors_total %d
`, s.Entries, s.Sets, s.Hits, s.RoomHits, s.FallbackHits, s.Misses, s.Stale,
		s.Evictions, s.Expirations, s.Loads, s.LoadErrors)
}

func TestCollectorMapsEveryStatsField(t *testing.T) {
	c := newCollector(func() routecache.Stats { return distinctStats }, Options{})
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(exposition(distinctStats))))
}

func TestCollectorReadsStatsOncePerScrape(t *testing.T) {
	calls := 0
	c := newCollector(func() routecache.Stats {
		calls++
		return distinctStats
	}, Options{})

	ch := make(chan prometheus.Metric, 16)
	c.Collect(ch)
	close(ch)

	require.Equal(t, 1, calls, "one Collect must read Stats exactly once")
	require.Len(t, ch, 11, "entries, sets, 3 sources, misses, stale, 2 eviction reasons, loads, load errors")
}

func TestCollectorDescribesWhatItCollects(t *testing.T) {
	c := newCollector(func() routecache.Stats { return distinctStats }, Options{})

	// A pedantic registry fails Gather when a collected metric has no
	// matching descriptor or breaks its descriptor's label set.
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	families, err := reg.Gather()
	require.NoError(t, err)
	require.Len(t, families, 8)
}

func TestCollectorPassesLint(t *testing.T) {
	c := newCollector(func() routecache.Stats { return distinctStats }, Options{})
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestCollectorNamespaceSubsystemAndConstLabels(t *testing.T) {
	c := newCollector(func() routecache.Stats { return distinctStats }, Options{
		Namespace:   "edge",
		Subsystem:   "sessions",
		ConstLabels: prometheus.Labels{"cache": "telegram"},
	})
	const want = `
# HELP edge_sessions_entries Routes held by the cache, expired routes not yet removed included.
# TYPE edge_sessions_entries gauge
edge_sessions_entries{cache="telegram"} 1
# HELP edge_sessions_evictions_total Routes removed by the cache itself, by reason: capacity (a full shard made room) or expired (the TTL ran out). Deletions are not counted.
# TYPE edge_sessions_evictions_total counter
edge_sessions_evictions_total{cache="telegram",reason="capacity"} 8
edge_sessions_evictions_total{cache="telegram",reason="expired"} 9
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want),
		"edge_sessions_entries", "edge_sessions_evictions_total"))
	require.Equal(t, 11, testutil.CollectAndCount(c))
}

func TestCollectorInvalidConstLabelFailsRegistration(t *testing.T) {
	c := newCollector(func() routecache.Stats { return distinctStats }, Options{
		ConstLabels: prometheus.Labels{"__cache": "reserved prefix"},
	})
	require.Error(t, prometheus.NewRegistry().Register(c))

	// Collected without a registry, the error travels as an invalid metric
	// rather than a panic.
	ch := make(chan prometheus.Metric, 16)
	c.Collect(ch)
	close(ch)
	for m := range ch {
		require.Error(t, m.Write(nil))
	}
}

// newTestCache returns a cache whose counters follow exactly from the calls
// made on it: one shard, room for three routes, a one-minute TTL on a fake
// clock and no background sweep.
func newTestCache(t *testing.T, clock *routecache.FakeClock) *routecache.Cache[string] {
	t.Helper()
	cache, err := routecache.New(routecache.Config[string]{
		Shards:             1,
		MaxEntriesPerShard: 3,
		TTL:                time.Minute,
		PruneInterval:      -1,
		Clock:              clock,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	return cache
}

func TestCollectorFollowsARealCache(t *testing.T) {
	clock := routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	cache := newTestCache(t, clock)
	room1 := routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "r1"}
	room2 := routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "r2"}
	room3 := routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "r3"}
	thread := routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "r1", Thread: "t1"}
	newcomer := routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "r4"}

	require.NoError(t, cache.Set(room1, "a"))
	require.NoError(t, cache.Set(room2, "b"))
	_, err := cache.Get(room1) // exact hit
	require.NoError(t, err)
	_, err = cache.Get(room3) // miss
	require.ErrorIs(t, err, routecache.ErrNotFound)

	res, err := cache.Resolve(thread) // room hit; stores the thread: 3 entries
	require.NoError(t, err)
	require.Equal(t, routecache.SourceRoom, res.Source)
	res, err = cache.Resolve(thread) // exact hit
	require.NoError(t, err)
	require.Equal(t, routecache.SourceExact, res.Source)

	// The fallback stored for the newcomer is a fourth route in a shard that
	// holds three: the oldest write, room1, is evicted for capacity.
	res, err = cache.Resolve(newcomer, "c")
	require.NoError(t, err)
	require.Equal(t, routecache.SourceFallback, res.Source)
	_, err = cache.Resolve(room3) // no route, no fallback: miss
	require.ErrorIs(t, err, routecache.ErrNoRoute)

	// Refused writes count nowhere.
	require.ErrorIs(t, cache.Set(routecache.Key{Channel: "telegram"}, "x"), routecache.ErrInvalidKey)
	require.ErrorIs(t, cache.SetWithTTL(room3, "x", -time.Second), routecache.ErrInvalidTTL)

	// Past the TTL, Get meets room2 expired (stale, expired, miss); Prune
	// removes the thread and the newcomer.
	clock.Advance(2 * time.Minute)
	_, err = cache.Get(room2)
	require.ErrorIs(t, err, routecache.ErrExpired)
	require.Equal(t, 2, cache.Prune())
	require.NoError(t, cache.Set(room3, "a"))

	want := exposition(routecache.Stats{
		Entries: 1, Sets: 3, Hits: 2, RoomHits: 1, FallbackHits: 1,
		Misses: 3, Stale: 1, Evictions: 1, Expirations: 3,
	})
	require.NoError(t, testutil.CollectAndCompare(NewCollector(cache, Options{}), strings.NewReader(want)))
}

func TestCollectorCountsLoads(t *testing.T) {
	clock := routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	cache := newTestCache(t, clock)
	ctx := context.Background()
	known := routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "known"}
	unknown := routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "unknown"}
	directory := func(_ context.Context, k routecache.Key) (string, time.Duration, error) {
		if k == known {
			return "a", 0, nil
		}
		return "", 0, errors.New("not in the directory")
	}

	res, err := cache.ResolveWith(ctx, known, directory) // one load, stored
	require.NoError(t, err)
	require.Equal(t, routecache.SourceLoaded, res.Source)
	_, err = cache.ResolveWith(ctx, known, directory) // exact hit, no load
	require.NoError(t, err)
	res, err = cache.ResolveWith(ctx, unknown, directory, "b") // a failed load, the fallback answers
	require.NoError(t, err)
	require.Equal(t, routecache.ReasonLoadFailed, res.Reason)
	_, err = cache.ResolveWith(ctx, unknown, directory) // a hit on the stored fallback
	require.NoError(t, err)
	_, err = cache.ResolveWith(ctx, routecache.Key{Channel: "telegram", Bridge: "bot1", Room: "other"}, directory)
	require.ErrorIs(t, err, routecache.ErrLoad) // a failed load and no fallback

	const want = `
# HELP routecache_loads_total Loads ResolveWith started: one per load, however many callers shared its answer.
# TYPE routecache_loads_total counter
routecache_loads_total 3
# HELP routecache_load_errors_total Loads that gave no route to store: the loader failed, panicked or gave a negative TTL, or Validate refused its route.
# TYPE routecache_load_errors_total counter
routecache_load_errors_total 2
`
	require.NoError(t, testutil.CollectAndCompare(NewCollector(cache, Options{}), strings.NewReader(want),
		"routecache_loads_total", "routecache_load_errors_total"))
}

func TestCollectorReportsFinalCountersAfterClose(t *testing.T) {
	clock := routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	cache := newTestCache(t, clock)
	key := routecache.Key{Channel: "slack", Bridge: "w1", Room: "general"}
	require.NoError(t, cache.Set(key, "a"))
	require.NoError(t, cache.Close())

	// Closed, the cache refuses writes; the scrape keeps working and shows
	// the counters of the open cache.
	require.ErrorIs(t, cache.Set(key, "b"), routecache.ErrClosed)

	const want = `
# HELP routecache_sets_total Routes stored by successful Set and SetWithTTL calls; routes Resolve stores are not counted.
# TYPE routecache_sets_total counter
routecache_sets_total 1
`
	c := NewCollector(cache, Options{})
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "routecache_sets_total"))
	require.Equal(t, 11, testutil.CollectAndCount(c))
}

func TestSeveralCachesInOneRegistry(t *testing.T) {
	clock := routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	sessions := newTestCache(t, clock)
	rooms := newTestCache(t, clock)
	key := routecache.Key{Channel: "matrix", Bridge: "hs1", Room: "lobby"}
	require.NoError(t, sessions.Set(key, "a"))
	require.NoError(t, rooms.Set(key, "a"))
	require.NoError(t, rooms.Set(key, "b"))

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(sessions, Options{ConstLabels: prometheus.Labels{"cache": "sessions"}})))
	require.NoError(t, reg.Register(NewCollector(rooms, Options{ConstLabels: prometheus.Labels{"cache": "rooms"}})))

	// The same cache registered twice under the same labels is refused.
	dup := reg.Register(NewCollector(rooms, Options{ConstLabels: prometheus.Labels{"cache": "rooms"}}))
	var already prometheus.AlreadyRegisteredError
	require.True(t, errors.As(dup, &already), "got %v", dup)

	const want = `
# HELP routecache_sets_total Routes stored by successful Set and SetWithTTL calls; routes Resolve stores are not counted.
# TYPE routecache_sets_total counter
routecache_sets_total{cache="rooms"} 2
routecache_sets_total{cache="sessions"} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "routecache_sets_total"))
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	require.Empty(t, problems)
}
