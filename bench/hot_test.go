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
func BenchmarkReadHit(b *testing.B) { benchmarkHot(b, 0) }

// BenchmarkMixed measures a 90/10 mix of Get and Set over the ReadHit key
// set and Zipf choice: every tenth operation of each goroutine overwrites
// the route of the key it drew. dropped/set is the share of Sets the cache
// dropped or refused.
func BenchmarkMixed(b *testing.B) { benchmarkHot(b, 10) }

// benchmarkHot runs the hot workload on every cache; with writeEvery above
// zero, each goroutine's writeEvery-th operation is a Set instead of a Get.
func benchmarkHot(b *testing.B, writeEvery int) {
	w := newHotWorkload(b, runtime.GOMAXPROCS(0))
	eachFilled(b, w.cfg.caches, w.opts, w.keys.keys, w.routes, func(b *testing.B, cache cacheUnderTest) {
		counts := runParallel(b, w.streams, func(n int, index uint32) opResult {
			if writeEvery > 0 && n%writeEvery == writeEvery-1 {
				return store(cache, &w.keys.keys[index], w.routes[n%routePoolSize])
			}
			return lookup(cache, &w.keys.keys[index])
		})
		b.ReportMetric(counts.share(opHit, opMissed), "hit/op")
		if writeEvery > 0 {
			b.ReportMetric(counts.share(opDropped, opWritten), "dropped/set")
		}
	})
}
