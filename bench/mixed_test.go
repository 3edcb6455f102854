package bench

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkMixed measures a 90/10 mix of Get and Set over the ReadHit key
// set and Zipf choice: every tenth operation of each goroutine overwrites
// the route of the key it drew. hit/op is the share of Gets that hit;
// dropped/set the share of Sets the cache dropped or refused.
func BenchmarkMixed(b *testing.B) {
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
			var gets, hits, sets, dropped atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				indexes, i := streams.stream(int(goroutines.Add(1) - 1))
				mask := len(indexes) - 1
				var get, hit, set, drop int64
				for op := 0; pb.Next(); op++ {
					k := &keys.keys[indexes[i&mask]]
					if op%10 == 9 {
						if !cache.Set(k, routes[i%routePoolSize]) {
							drop++
						}
						set++
					} else {
						if _, ok := cache.Get(k); ok {
							hit++
						}
						get++
					}
					i++
				}
				gets.Add(get)
				hits.Add(hit)
				sets.Add(set)
				dropped.Add(drop)
			})
			b.StopTimer()
			b.ReportMetric(ratio(hits.Load(), gets.Load()), "hit/op")
			b.ReportMetric(ratio(dropped.Load(), sets.Load()), "dropped/set")
		})
	}
}

// ratio returns part/whole, or 0 when whole is 0.
func ratio(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}
