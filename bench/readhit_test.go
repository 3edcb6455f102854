package bench

import (
	"runtime"
	"testing"
)

// BenchmarkReadHit measures Get on a cache holding every key, with keys
// chosen by a Zipf law (s = BENCH_ZIPF_S, 1.01 by default) over
// BENCH_HOT_KEYS keys (100,000): the read path of a proxy whose routes are
// all cached, hot conversations first. hit/op is the share of Gets that
// found the route (below 1 only where a cache declined to keep a key).
func BenchmarkReadHit(b *testing.B) {
	w := newHotWorkload(b, runtime.GOMAXPROCS(0))
	eachFilled(b, w.cfg.caches, w.opts, w.keys.keys, w.routes, func(b *testing.B, cache cacheUnderTest) {
		counts := runParallel(b, w.streams, func(_ int, index uint32) opResult {
			return lookup(cache, &w.keys.keys[index])
		})
		b.ReportMetric(counts.share(opHit, opMissed), "hit/op")
	})
}
