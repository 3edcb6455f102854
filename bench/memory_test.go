package bench

import (
	"runtime"
	"testing"

	"github.com/c41db742/routecache/internal/memstat"
)

// BenchmarkMemory measures the live heap each cache needs per entry when it
// holds BENCH_MEMORY_ENTRIES (1,000,000) routes. Keys and routes are
// allocated before the first measurement, so the key bytes and the routes
// are excluded; what a cache stores per entry (its copy of the key's string
// headers or its hash, the pointer, timestamps, policy and index structures)
// is included. Run it with -benchtime 1x: each iteration fills a new cache.
//
// B/entry divides the heap growth by the entries the cache actually holds;
// resident/key is that number over the keys written (below 1 only where a
// cache dropped or declined writes).
func BenchmarkMemory(b *testing.B) {
	cfg := mustConfig(b)
	keys := generateKeys(cfg.memoryEntries, cfg.seed+3)
	routes := generateRoutes()
	opts := cacheOptions{capacity: holdCapacity(cfg.memoryEntries), ttl: cfg.ttl}

	eachContender(b, cfg.caches, func(b *testing.B, c contender) {
		var bytesPerEntry, resident float64
		for range b.N {
			before := memstat.LiveHeap()
			cache := openFilled(b, c, opts, keys.keys, routes)
			after := memstat.LiveHeap()
			share := residentShare(cache, keys.keys)
			runtime.KeepAlive(cache)
			cache.Close()
			if share == 0 {
				b.Fatalf("%s holds none of the keys written", c.name)
			}
			bytesPerEntry += (float64(after) - float64(before)) / (share * float64(len(keys.keys)))
			resident += share
		}
		b.ReportMetric(bytesPerEntry/float64(b.N), "B/entry")
		b.ReportMetric(resident/float64(b.N), "resident/key")
	})
}

// BenchmarkOverwriteGrowth measures how the live heap of a cache holding one
// key changes while that key is overwritten BENCH_OVERWRITES (2,000,000)
// times with alternating routes: a cache whose memory follows its live
// entries shows a growth near zero. Run it with -benchtime 1x.
func BenchmarkOverwriteGrowth(b *testing.B) {
	cfg := mustConfig(b)
	keys := generateKeys(1, cfg.seed+4)
	routes := generateRoutes()
	opts := cacheOptions{capacity: holdCapacity(1), ttl: cfg.ttl}

	eachContender(b, cfg.caches, func(b *testing.B, c contender) {
		var growth float64
		for range b.N {
			cache := openFilled(b, c, opts, keys.keys, routes)
			before := memstat.LiveHeap()
			k := &keys.keys[0]
			for i := range cfg.overwrites {
				cache.Set(k, routes[i%routePoolSize])
			}
			cache.Settle()
			after := memstat.LiveHeap()
			if _, ok := cache.Get(k); !ok && c.name == "routecache" {
				b.Fatal("routecache lost the overwritten key")
			}
			runtime.KeepAlive(cache)
			cache.Close()
			growth += float64(after) - float64(before)
		}
		b.ReportMetric(growth/float64(b.N), "B-growth")
	})
}
