package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/puzpuzpuz/xsync/v3"
)

// BenchmarkPrune measures removing the BENCH_PRUNE_EXPIRED (1,000) entries
// that are due among BENCH_PRUNE_HELD held ones (10,000, 100,000 and
// 1,000,000), for each mix of lifetimes of ttlMixes (one TTL for all; 1 ms
// to 1 h under a 30-minute default; 1 h to a year under a 1-second default),
// against the full scans that a cache without an expiry index pays instead:
//
//   - op=prune: routecache's Prune, which sweeps only the due part of its
//     expiry wheel.
//   - op=scan-all: one walk over the same cache with All.
//   - op=scan-xsync: a bare xsync MapOf of the same entries with their
//     expiry times, ranged over and the expired ones deleted: the cheapest
//     scan a TTL cache can do.
//
// Each round moves a fake clock to the moment the next batch is due, times
// the removal and writes the batch again with fresh lifetimes, so the
// number held and the mix stay the same. ns/expired divides by the entries
// removed (for the scans: by the batch).
func BenchmarkPrune(b *testing.B) {
	cfg := mustConfig(b)
	routes := generateRoutes()
	keys := generateKeys(slices.Max(cfg.pruneHeld), cfg.seed+2).keys
	for _, mix := range ttlMixes() {
		for _, held := range cfg.pruneHeld {
			b.Run(fmt.Sprintf("ttl=%s/held=%d", mix.name, held), func(b *testing.B) {
				benchmarkPruneMix(b, newPruneSchedule(mix, keys[:held], cfg.pruneExpired, cfg.seed), routes)
			})
		}
	}
}

func benchmarkPruneMix(b *testing.B, s *pruneSchedule, routes []*route) {
	held := len(s.keys)
	cache := openPruneCache(b, s, held)
	defer cache.Close()
	write := routecacheWriter(b, cache, s, routes)
	s.fill(write)
	if n := cache.Len(); n != held {
		b.Fatalf("cache holds %d entries after the fill, want %d", n, held)
	}

	b.Run("op=prune", func(b *testing.B) {
		total := 0
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			due := s.next()
			b.StartTimer()
			removed := cache.Prune()
			b.StopTimer()
			if removed != due {
				b.Fatalf("Prune removed %d entries, want %d", removed, due)
			}
			total += removed
			s.rewrite(write)
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/expired")
	})

	b.Run("op=scan-all", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			seen := 0
			for range cache.All() {
				seen++
			}
			if seen != held {
				b.Fatalf("All yielded %d entries, want %d", seen, held)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*s.batch), "ns/expired")
	})

	b.Run("op=scan-xsync", func(b *testing.B) {
		benchmarkScanXsync(b, newPruneSchedule(s.mix, s.keys, s.batch, 0), routes)
	})
}

// openPruneCache opens the routecache of a Prune schedule: its default TTL
// and fake clock, room for all held entries in any one shard (so that an
// uneven share never evicts), and no background sweep, so that only the
// timed Prune removes anything.
func openPruneCache(tb testing.TB, s *pruneSchedule, held int) *routecache.Cache[*route] {
	tb.Helper()
	cache, err := routecache.New(routecache.Config[*route]{
		Shards:             defaultShards(),
		TTL:                s.ttl,
		MaxEntriesPerShard: held,
		PruneInterval:      -1,
		Clock:              s.clock,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cache
}

// routecacheWriter writes a schedule's entries into cache.
func routecacheWriter(tb testing.TB, cache *routecache.Cache[*route], s *pruneSchedule, routes []*route) writeFunc {
	return func(i int, ttl time.Duration) {
		if err := cache.SetWithTTL(s.keys[i].key, routes[i%routePoolSize], ttl); err != nil {
			tb.Fatalf("SetWithTTL(%v, %v): %v", s.keys[i].key, ttl, err)
		}
	}
}

// expiringRoute is an entry of the scan baseline: the route and its expiry
// in nanoseconds on the schedule's clock.
type expiringRoute struct {
	route     *route
	expiresAt int64
}

// benchmarkScanXsync follows schedule s on a bare xsync MapOf, removing the
// due entries with one Range over every entry.
func benchmarkScanXsync(b *testing.B, s *pruneSchedule, routes []*route) {
	m := xsync.NewMapOf[routecache.Key, expiringRoute]()
	write := func(i int, ttl time.Duration) {
		if ttl == 0 {
			ttl = s.ttl
		}
		m.Store(s.keys[i].key, expiringRoute{route: routes[i%routePoolSize], expiresAt: int64(s.now + ttl)})
	}
	s.fill(write)

	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		due := s.next()
		now := int64(s.now)
		b.StartTimer()
		removed := 0
		m.Range(func(k routecache.Key, e expiringRoute) bool {
			if e.expiresAt <= now {
				m.Delete(k)
				removed++
			}
			return true
		})
		b.StopTimer()
		if removed != due {
			b.Fatalf("scan removed %d entries, want %d", removed, due)
		}
		s.rewrite(write)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*s.batch), "ns/expired")
}
