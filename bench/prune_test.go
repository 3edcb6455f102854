package bench

import (
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/puzpuzpuz/xsync/v3"
)

// pruneStep is how far the fake clock moves per round of the Prune workload:
// one batch of entries expires per step.
const pruneStep = time.Second

// pruneRotation is the steady state of the Prune workload: BENCH_PRUNE_HELD
// entries written in batches of BENCH_PRUNE_EXPIRED, one batch per
// pruneStep, all with the same TTL, so that each step of the clock expires
// exactly the oldest batch, which is then written again as the newest.
type pruneRotation struct {
	clock   *routecache.FakeClock
	keys    []benchKey
	batch   int // entries per batch: the expired entries of one round
	oldest  int // index of the batch that expires next
	batches int
	ttl     time.Duration
}

// newPruneRotation prepares the rotation. Batches are written one clock step
// apart and each is rewritten every batches steps, so the TTL is half a step
// short of batches steps: a batch written batches steps ago has expired, the
// one written a step later has not.
func newPruneRotation(cfg suiteConfig) *pruneRotation {
	batches := cfg.pruneHeld / cfg.pruneExpired
	return &pruneRotation{
		clock:   routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
		keys:    generateKeys(cfg.pruneHeld, cfg.seed+2).keys,
		batch:   cfg.pruneExpired,
		batches: batches,
		ttl:     time.Duration(batches)*pruneStep - pruneStep/2,
	}
}

func (p *pruneRotation) batchKeys(n int) []benchKey {
	return p.keys[n*p.batch : (n+1)*p.batch]
}

// fill writes every batch into cache, one clock step apart.
func (p *pruneRotation) fill(tb testing.TB, cache *routecache.Cache[*route], routes []*route) {
	tb.Helper()
	for n := range p.batches {
		if n > 0 {
			p.clock.Advance(pruneStep)
		}
		for i, k := range p.batchKeys(n) {
			mustSet(tb, cache, k.key, routes[i%routePoolSize])
		}
	}
	if held := cache.Len(); held != len(p.keys) {
		tb.Fatalf("cache holds %d entries after the fill, want %d", held, len(p.keys))
	}
}

// rewriteOldest writes the batch that expired last as the newest one.
func (p *pruneRotation) rewriteOldest(tb testing.TB, cache *routecache.Cache[*route], routes []*route) {
	tb.Helper()
	for i, k := range p.batchKeys(p.oldest) {
		mustSet(tb, cache, k.key, routes[i%routePoolSize])
	}
	p.oldest = (p.oldest + 1) % p.batches
}

// BenchmarkPrune measures removing the BENCH_PRUNE_EXPIRED (1,000) entries
// that expired among BENCH_PRUNE_HELD (1,000,000) held ones, against two full
// scans of a million entries that a cache without an expiry index pays
// instead:
//
//   - op=prune: routecache's Prune, which sweeps only the due part of its
//     expiry wheel.
//   - op=scan-all: one walk over the same cache with All.
//   - op=scan-xsync: a bare xsync MapOf of the same entries with their
//     expiry times, ranged over and the expired ones deleted: the cheapest
//     scan a TTL cache can do.
//
// ns/expired is ns/op divided by the entries that expire per round.
func BenchmarkPrune(b *testing.B) {
	cfg := mustConfig(b)
	routes := generateRoutes()
	rotation := newPruneRotation(cfg)

	cache, err := routecache.New(routecache.Config[*route]{
		Shards:             defaultShards(),
		TTL:                rotation.ttl,
		MaxEntriesPerShard: holdCapacity(cfg.pruneHeld) / defaultShards(),
		PruneInterval:      -1,
		Clock:              rotation.clock,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()
	rotation.fill(b, cache, routes)

	b.Run("op=prune", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			rotation.clock.Advance(pruneStep)
			b.StartTimer()
			removed := cache.Prune()
			b.StopTimer()
			if removed != rotation.batch {
				b.Fatalf("Prune removed %d entries, want %d", removed, rotation.batch)
			}
			rotation.rewriteOldest(b, cache, routes)
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rotation.batch), "ns/expired")
	})

	b.Run("op=scan-all", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			seen := 0
			for range cache.All() {
				seen++
			}
			if seen != cfg.pruneHeld {
				b.Fatalf("All yielded %d entries, want %d", seen, cfg.pruneHeld)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rotation.batch), "ns/expired")
	})

	b.Run("op=scan-xsync", func(b *testing.B) {
		benchmarkScanXsync(b, cfg, routes)
	})
}

// expiringRoute is an entry of the scan baseline: the route and its expiry
// in nanoseconds on the benchmark's own clock.
type expiringRoute struct {
	route     *route
	expiresAt int64
}

// benchmarkScanXsync runs the rotation of BenchmarkPrune on a bare xsync
// MapOf, removing the expired batch with one Range over every entry.
func benchmarkScanXsync(b *testing.B, cfg suiteConfig, routes []*route) {
	rotation := newPruneRotation(cfg)
	m := xsync.NewMapOf[routecache.Key, expiringRoute]()
	now := int64(0)
	ttl := int64(rotation.ttl)
	for n := 0; n < rotation.batches; n++ {
		if n > 0 {
			now += int64(pruneStep)
		}
		for i, k := range rotation.batchKeys(n) {
			m.Store(k.key, expiringRoute{route: routes[i%routePoolSize], expiresAt: now + ttl})
		}
	}

	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now += int64(pruneStep)
		removed := 0
		m.Range(func(k routecache.Key, e expiringRoute) bool {
			if e.expiresAt <= now {
				m.Delete(k)
				removed++
			}
			return true
		})
		b.StopTimer()
		if removed != rotation.batch {
			b.Fatalf("scan removed %d entries, want %d", removed, rotation.batch)
		}
		for i, k := range rotation.batchKeys(rotation.oldest) {
			m.Store(k.key, expiringRoute{route: routes[i%routePoolSize], expiresAt: now + ttl})
		}
		rotation.oldest = (rotation.oldest + 1) % rotation.batches
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rotation.batch), "ns/expired")
}
