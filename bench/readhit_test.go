package bench

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkReadHit measures Get on a cache holding every key, with keys
// chosen by a Zipf law (s = BENCH_ZIPF_S, 1.01 by default) over
// BENCH_HOT_KEYS keys (100,000): the read path of a proxy whose routes are
// all cached, hot conversations first. hit/op is the share of Gets that
// found the route (below 1 only where a cache declined to keep a key).
func BenchmarkReadHit(b *testing.B) {
	cfg := mustConfig(b)
	keys := generateKeys(cfg.hotKeys, cfg.seed)
	routes := generateRoutes()
	streams := zipfStreams(runtime.GOMAXPROCS(0), cfg.streamLength, cfg.hotKeys, cfg.zipfS, cfg.seed)
	opts := cacheOptions{capacity: holdCapacity(cfg.hotKeys), ttl: cfg.ttl}

	for _, c := range mustContenders(b, cfg.caches) {
		b.Run("cache="+c.name, func(b *testing.B) {
			cache := openFilled(b, c, opts, keys.keys, routes)
			defer cache.Close()
			var goroutines atomic.Int32
			var hits atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				indexes, i := streams.stream(int(goroutines.Add(1) - 1))
				mask := len(indexes) - 1
				hit := int64(0)
				for pb.Next() {
					if _, ok := cache.Get(&keys.keys[indexes[i&mask]]); ok {
						hit++
					}
					i++
				}
				hits.Add(hit)
			})
			b.StopTimer()
			b.ReportMetric(float64(hits.Load())/float64(b.N), "hit/op")
		})
	}
}
