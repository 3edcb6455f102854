package routecache

import (
	"fmt"
	"testing"
	"time"
)

// benchKeys returns n distinct keys, about a third without a thread.
func benchKeys(n int) []Key {
	keys := make([]Key, n)
	for i := range keys {
		k := Key{Channel: "telegram", Bridge: fmt.Sprintf("bot-%d", (i/3)%7), Room: fmt.Sprintf("room-%d", i/3)}
		if i%3 != 0 {
			k.Thread = fmt.Sprintf("thread-%d", i)
		}
		keys[i] = k
	}
	return keys
}

type benchRoute struct{ upstream string }

func newBenchCache(b *testing.B, capacity int) *Cache[*benchRoute] {
	b.Helper()
	c, err := New(Config[*benchRoute]{MaxEntriesPerShard: capacity, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

const benchKeyCount = 1 << 16

func fillBench(b *testing.B, c *Cache[*benchRoute], keys []Key) {
	b.Helper()
	r := &benchRoute{"10.0.0.1:443"}
	for _, k := range keys {
		if err := c.Set(k, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetHit(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	fillBench(b, c, keys)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Get(keys[i&(benchKeyCount-1)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetHitParallel(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	fillBench(b, c, keys)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Get(keys[i&(benchKeyCount-1)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkResolveExact(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	fillBench(b, c, keys)
	fb := &benchRoute{"fallback"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Resolve(keys[i&(benchKeyCount-1)], fb); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveExactParallel(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	fillBench(b, c, keys)
	fb := &benchRoute{"fallback"}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Resolve(keys[i&(benchKeyCount-1)], fb); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkResolveRoom resolves threads whose own routes are gone, so each
// call answers from the room and stores the route for the thread. The
// thread entries are deleted outside the timer in batches.
func BenchmarkResolveRoom(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	r := &benchRoute{"room"}
	var threads []Key
	for _, k := range keys {
		if k.Thread == "" {
			if err := c.Set(k, r); err != nil {
				b.Fatal(err)
			}
		} else {
			threads = append(threads, k)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(threads)
		if j == 0 && i > 0 {
			b.StopTimer()
			for _, k := range threads {
				c.Delete(k)
			}
			b.StartTimer()
		}
		res, err := c.Resolve(threads[j])
		if err != nil || res.Source != SourceRoom {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkResolveFallback resolves keys that hold nothing, so each call
// stores the supplied fallback.
func BenchmarkResolveFallback(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	fb := &benchRoute{"fallback"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (benchKeyCount - 1)
		if j == 0 && i > 0 {
			b.StopTimer()
			for _, k := range keys {
				c.Delete(k)
			}
			b.StartTimer()
		}
		res, err := c.Resolve(keys[j], fb)
		if err != nil || res.Source != SourceFallback {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkSetNew writes keys the cache does not hold; the capacity is
// below the key count, so it evicts as it goes.
func BenchmarkSetNew(b *testing.B) {
	keys := benchKeys(1 << 20)
	c := newBenchCache(b, benchKeyCount/c0(b))
	r := &benchRoute{"r"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Set(keys[i&(1<<20-1)], r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSetOverwrite(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	fillBench(b, c, keys)
	r := &benchRoute{"r"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Set(keys[i&(benchKeyCount-1)], r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSetParallel(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount)
	r := &benchRoute{"r"}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := c.Set(keys[i&(benchKeyCount-1)], r); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func c0(b *testing.B) int { b.Helper(); return 1 }
