package bench

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkTailLatency measures the latency of single Gets while another
// goroutine overwrites routes as fast as it can, for the caches in
// BENCH_TAIL_CACHES (routecache and the two fastest peers; run.sh picks them
// from the Mixed results). GOMAXPROCS-1 goroutines read (at least one) and
// one writes, so no goroutine waits for a processor and the tail shows the
// cache's own stalls (locks, maintenance, eviction) rather than the
// scheduler's. Keys and Zipf choice are those of ReadHit; the writer picks
// keys uniformly.
//
// Each sample includes one monotonic clock read; clock-ns reports the p50 of
// an empty timed section, to subtract by eye. sets/op is how many Sets the
// writer completed per measured Get.
func BenchmarkTailLatency(b *testing.B) {
	cfg := mustConfig(b)
	keys := generateKeys(cfg.hotKeys, cfg.seed)
	routes := generateRoutes()
	readers := max(1, runtime.GOMAXPROCS(0)-1)
	streams := zipfStreams(readers, cfg.streamLength, cfg.hotKeys, cfg.zipfS, cfg.seed)
	writes := uniformStreams(1, cfg.streamLength, cfg.hotKeys, cfg.seed+5)
	opts := cacheOptions{capacity: holdCapacity(cfg.hotKeys), ttl: cfg.ttl}
	clock := clockOverhead()

	for _, c := range mustContenders(b, cfg.tailCaches) {
		b.Run("cache="+c.name, func(b *testing.B) {
			cache := openFilled(b, c, opts, keys.keys, routes)
			defer cache.Close()

			var stop atomic.Bool
			var sets atomic.Int64
			writerDone := make(chan struct{})
			go func() {
				defer close(writerDone)
				indexes, i := writes.stream(0)
				mask := len(indexes) - 1
				n := int64(0)
				for !stop.Load() {
					for range 64 {
						cache.Set(&keys.keys[indexes[i&mask]], routes[i%routePoolSize])
						i++
					}
					n += 64
				}
				sets.Store(n)
			}()

			histograms := make([]*latencyHistogram, readers)
			var wg sync.WaitGroup
			b.ResetTimer()
			for r := range readers {
				histograms[r] = new(latencyHistogram)
				wg.Add(1)
				go func(h *latencyHistogram, r int) {
					defer wg.Done()
					indexes, i := streams.stream(r)
					mask := len(indexes) - 1
					for range share(b.N, readers, r) {
						k := &keys.keys[indexes[i&mask]]
						start := time.Now()
						cache.Get(k)
						h.record(time.Since(start))
						i++
					}
				}(histograms[r], r)
			}
			wg.Wait()
			b.StopTimer()
			stop.Store(true)
			<-writerDone

			var all latencyHistogram
			for _, h := range histograms {
				all.merge(h)
			}
			b.ReportMetric(float64(all.quantile(0.50)), "p50-ns")
			b.ReportMetric(float64(all.quantile(0.99)), "p99-ns")
			b.ReportMetric(float64(all.quantile(0.999)), "p99.9-ns")
			b.ReportMetric(float64(clock), "clock-ns")
			b.ReportMetric(float64(sets.Load())/float64(b.N), "sets/op")
		})
	}
}

// share returns how many of n operations reader r of readers performs.
func share(n, readers, r int) int {
	s := n / readers
	if r < n%readers {
		s++
	}
	return s
}

// clockOverhead returns the median of an empty timed section: what one
// latency sample costs with no work inside.
func clockOverhead() time.Duration {
	var h latencyHistogram
	for range 100_000 {
		start := time.Now()
		h.record(time.Since(start))
	}
	return h.quantile(0.5)
}
