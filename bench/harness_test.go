package bench

import (
	"runtime"
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

// mustContenders selects the caches named in list or stops the benchmark.
func mustContenders(tb testing.TB, list string) []contender {
	tb.Helper()
	selected, err := selectContenders(list)
	if err != nil {
		tb.Fatal(err)
	}
	return selected
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
