package bench

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkSetChurn measures Set alone with keys drawn uniformly from
// BENCH_CHURN_KEYS keys (1,000,000) into caches bounded to
// BENCH_CHURN_CAPACITY entries (100,000), filled to that capacity first: in
// the bounded caches nearly every Set evicts. go-cache and the bare maps
// have no bound and grow instead. dropped/set is the share of Sets the
// cache dropped or refused.
func BenchmarkSetChurn(b *testing.B) {
	cfg := mustConfig(b)
	keys := generateKeys(cfg.churnKeys, cfg.seed+1)
	routes := generateRoutes()
	streams := uniformStreams(runtime.GOMAXPROCS(0), cfg.streamLength, cfg.churnKeys, cfg.seed+1)
	opts := cacheOptions{capacity: cfg.churnCapacity, ttl: cfg.ttl}
	prefill := keys.keys[:min(cfg.churnCapacity, len(keys.keys))]

	for _, c := range mustContenders(b, cfg.caches) {
		b.Run("cache="+c.name, func(b *testing.B) {
			cache := openFilled(b, c, opts, prefill, routes)
			defer cache.Close()
			var goroutines atomic.Int32
			var dropped atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				indexes, i := streams.stream(int(goroutines.Add(1) - 1))
				mask := len(indexes) - 1
				drop := int64(0)
				for pb.Next() {
					if !cache.Set(&keys.keys[indexes[i&mask]], routes[i%routePoolSize]) {
						drop++
					}
					i++
				}
				dropped.Add(drop)
			})
			b.StopTimer()
			b.ReportMetric(float64(dropped.Load())/float64(b.N), "dropped/set")
		})
	}
}
