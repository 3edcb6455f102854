package bench

import (
	"runtime"
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

	eachFilled(b, cfg.caches, opts, prefill, routes, func(b *testing.B, cache cacheUnderTest) {
		counts := runParallel(b, streams, func(n int, index uint32) opResult {
			return store(cache, &keys.keys[index], routes[n%routePoolSize])
		})
		b.ReportMetric(counts.share(opDropped, opWritten), "dropped/set")
	})
}
