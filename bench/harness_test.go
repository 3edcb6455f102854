package bench

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// mustConfig loads the suite's sizes or stops the benchmark.
func mustConfig(tb testing.TB) suiteConfig {
	tb.Helper()
	cfg, err := loadSuiteConfig()
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// eachContender runs bench as the sub-benchmark "cache=<name>" of every cache
// named in the comma-separated list (all when it is empty), or stops the
// benchmark on an unknown name.
func eachContender(b *testing.B, list string, bench func(b *testing.B, c contender)) {
	b.Helper()
	selected, err := selectContenders(list)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range selected {
		b.Run("cache="+c.name, func(b *testing.B) { bench(b, c) })
	}
}

// eachFilled runs bench as the sub-benchmark "cache=<name>" of every cache
// in list, opened with opts and filled with keys (see openFilled), and
// closes each cache when its sub-benchmark returns.
func eachFilled(b *testing.B, list string, opts cacheOptions, keys []benchKey, routes []*route, bench func(b *testing.B, cache cacheUnderTest)) {
	b.Helper()
	eachContender(b, list, func(b *testing.B, c contender) {
		cache := openFilled(b, c, opts, keys, routes)
		defer cache.Close()
		bench(b, cache)
	})
}

// mustOpen opens c or stops the benchmark.
func mustOpen(tb testing.TB, c contender, opts cacheOptions) cacheUnderTest {
	tb.Helper()
	cache, err := c.open(opts)
	if err != nil {
		tb.Fatalf("open %s: %v", c.name, err)
	}
	return cache
}

// openFilled opens c and writes every key once, spreading the shared routes
// over them, then waits for the writes to settle and collects the garbage
// the fill left (grown tables, buffers), so that no timed loop pays for a
// collection of setup debris.
func openFilled(tb testing.TB, c contender, opts cacheOptions, keys []benchKey, routes []*route) cacheUnderTest {
	tb.Helper()
	cache := mustOpen(tb, c, opts)
	for i := range keys {
		cache.Set(&keys[i], routes[i%len(routes)])
	}
	cache.Settle()
	runtime.GC()
	return cache
}

// residentShare returns the fraction of keys for which cache holds a route.
func residentShare(cache cacheUnderTest, keys []benchKey) float64 {
	held := 0
	for i := range keys {
		if _, ok := cache.Get(&keys[i]); ok {
			held++
		}
	}
	return float64(held) / float64(len(keys))
}

// opResult is what one operation of a throughput workload did; runParallel
// counts each kind.
type opResult int

const (
	opMissed  opResult = iota // a lookup found no route
	opHit                     // a lookup found the route
	opWritten                 // a write was accepted
	opDropped                 // a write was dropped or refused
)

// lookup reads k from cache: opHit when it holds a route, else opMissed.
func lookup(cache cacheUnderTest, k *benchKey) opResult {
	if _, ok := cache.Get(k); ok {
		return opHit
	}
	return opMissed
}

// store writes r for k into cache: opWritten, or opDropped when the cache
// dropped or refused the write.
func store(cache cacheUnderTest, k *benchKey, r *route) opResult {
	if cache.Set(k, r) {
		return opWritten
	}
	return opDropped
}

// opCounts holds how many operations of each opResult a workload performed.
type opCounts [4]int64

// share returns the fraction of the operations of kind among those of kind
// and other, or 0 when there were none.
func (c opCounts) share(kind, other opResult) float64 {
	whole := c[kind] + c[other]
	if whole == 0 {
		return 0
	}
	return float64(c[kind]) / float64(whole)
}

// runParallel is the scaffold of every throughput workload: it resets the
// timer, runs op b.N times under b.RunParallel and stops the timer. Each
// goroutine reads key indexes from its own stream, so no random number is
// drawn in the timed loop; op gets the goroutine's operation number and the
// next index. Each goroutine counts op's results locally and adds them up
// once at the end, so the counting shares no cache line in the loop.
func runParallel(b *testing.B, streams indexStreams, op func(n int, index uint32) opResult) opCounts {
	var goroutines atomic.Int32
	var mu sync.Mutex
	var total opCounts
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		indexes, start := streams.stream(int(goroutines.Add(1) - 1))
		mask := len(indexes) - 1
		var local opCounts
		for n := 0; pb.Next(); n++ {
			local[op(n, indexes[(start+n)&mask])&3]++
		}
		mu.Lock()
		for kind, count := range local {
			total[kind] += count
		}
		mu.Unlock()
	})
	b.StopTimer()
	return total
}

// hotWorkload is the setting of the read workloads (ReadHit, Mixed,
// Resolve, TailLatency): BENCH_HOT_KEYS keys, the shared routes, one Zipf
// stream of key indexes per goroutine, and options that hold every key.
type hotWorkload struct {
	cfg     suiteConfig
	keys    keySet
	routes  []*route
	streams indexStreams
	opts    cacheOptions
}

// newHotWorkload builds the hot workload for goroutines goroutines. Cost:
// generating the keys and streams, before any timer starts.
func newHotWorkload(b *testing.B, goroutines int) hotWorkload {
	cfg := mustConfig(b)
	return hotWorkload{
		cfg:     cfg,
		keys:    generateKeys(cfg.hotKeys, cfg.seed),
		routes:  generateRoutes(),
		streams: zipfStreams(goroutines, cfg.streamLength, cfg.hotKeys, cfg.zipfS, cfg.seed),
		opts:    cacheOptions{capacity: holdCapacity(cfg.hotKeys), ttl: cfg.ttl},
	}
}
