package bench

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkTailLatency measures the latency of single Gets, for the caches
// in BENCH_TAIL_CACHES (routecache, otter, floor and floorget by default),
// in two settings: writer=overwrite, where another goroutine overwrites
// routes as fast as it can, and writer=none, the same reads with no writer.
// The second is the read path's own tail: what is left of a Get's p99.9
// when nothing writes is the cost of its memory accesses and of the
// machine, not of the cache's writes. GOMAXPROCS-1 goroutines read (at
// least one) and at most one writes, so no goroutine waits for a processor
// and the tail shows the cache's own stalls (locks, maintenance, eviction)
// rather than the scheduler's. Keys and Zipf choice are those of ReadHit;
// the writer picks keys uniformly.
//
// Each sample includes one monotonic clock read; clock-ns reports the p50 of
// an empty timed section, to subtract by eye. The histogram is HdrHistogram
// (see latencyRecorder). sets/op is how many Sets the
// writer completed per measured Get.
func BenchmarkTailLatency(b *testing.B) {
	readers := max(1, runtime.GOMAXPROCS(0)-1)
	w := newHotWorkload(b, readers)
	keys, routes, streams, opts := w.keys, w.routes, w.streams, w.opts
	writes := uniformStreams(1, w.cfg.streamLength, w.cfg.hotKeys, w.cfg.seed+5)
	clock := clockOverhead()

	for _, writer := range []string{"none", "overwrite"} {
		b.Run("writer="+writer, func(b *testing.B) {
			eachFilled(b, w.cfg.tailCaches, opts, keys.keys, routes, func(b *testing.B, cache cacheUnderTest) {
				stopWriter := func() int64 { return 0 }
				if writer == "overwrite" {
					stopWriter = startOverwriter(cache, keys.keys, routes, writes)
				}
				recorders := make([]latencyRecorder, readers)
				var wg sync.WaitGroup
				b.ResetTimer()
				for r := range readers {
					recorders[r] = newLatencyRecorder()
					wg.Add(1)
					go func(rec latencyRecorder, r int) {
						defer wg.Done()
						indexes, i := streams.stream(r)
						mask := len(indexes) - 1
						for range share(b.N, readers, r) {
							k := &keys.keys[indexes[i&mask]]
							start := time.Now()
							cache.Get(k)
							rec.record(time.Since(start))
							i++
						}
					}(recorders[r], r)
				}
				wg.Wait()
				b.StopTimer()
				sets := stopWriter()

				for _, rec := range recorders[1:] {
					recorders[0].Merge(rec.Histogram)
				}
				recorders[0].report(b)
				b.ReportMetric(float64(clock), "clock-ns")
				b.ReportMetric(float64(sets)/float64(b.N), "sets/op")
			})
		})
	}
}

// startOverwriter starts a goroutine that overwrites routes of keys in the
// order of writes' first stream, without pause, and returns the function
// that stops it and returns how many Sets it made.
func startOverwriter(cache cacheUnderTest, keys []benchKey, routes []*route, writes indexStreams) (stop func() int64) {
	var stopping atomic.Bool
	sets := make(chan int64)
	go func() {
		indexes, i := writes.stream(0)
		mask := len(indexes) - 1
		n := int64(0)
		for !stopping.Load() {
			for range 64 {
				cache.Set(&keys[indexes[i&mask]], routes[i%routePoolSize])
				i++
			}
			n += 64
		}
		sets <- n
	}()
	return func() int64 {
		stopping.Store(true)
		return <-sets
	}
}
