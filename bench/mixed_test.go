package bench

import (
	"runtime"
	"testing"
)

// BenchmarkMixed measures a 90/10 mix of Get and Set over the ReadHit key
// set and Zipf choice: every tenth operation of each goroutine overwrites
// the route of the key it drew. hit/op is the share of Gets that hit;
// dropped/set the share of Sets the cache dropped or refused.
func BenchmarkMixed(b *testing.B) {
	w := newHotWorkload(b, runtime.GOMAXPROCS(0))
	eachFilled(b, w.cfg.caches, w.opts, w.keys.keys, w.routes, func(b *testing.B, cache cacheUnderTest) {
		counts := runParallel(b, w.streams, func(n int, index uint32) opResult {
			if n%10 == 9 {
				return store(cache, &w.keys.keys[index], w.routes[n%routePoolSize])
			}
			return lookup(cache, &w.keys.keys[index])
		})
		b.ReportMetric(counts.share(opHit, opMissed), "hit/op")
		b.ReportMetric(counts.share(opDropped, opWritten), "dropped/set")
	})
}
