package routecache

import (
	"fmt"
	"testing"
	"time"
)

// The root micro-benchmarks: the cost of each public operation on its own.
// Comparisons with other caches live in the bench/ module. Run with
//
//	go test -run '^$' -bench . -benchmem -cpu 1,2

// benchKeys returns n distinct keys, a third of them rooms and two thirds
// threads of those rooms.
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

const benchKeyCount = 1 << 16 // a power of two: i&(benchKeyCount-1) picks a key

func newBenchCache(b *testing.B, capacity int, fill []Key) *Cache[*benchRoute] {
	b.Helper()
	c, err := New(Config[*benchRoute]{MaxEntriesPerShard: capacity, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	r := &benchRoute{"10.0.0.1:443"}
	for _, k := range fill {
		if err := c.Set(k, r); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// runOp calls op(i) for i = 0, 1, … b.N times in all, from one goroutine
// or, if parallel, from RunParallel's goroutines (each counting its own i).
func runOp(b *testing.B, parallel bool, op func(i int) error) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for i := 0; i < b.N; i++ {
			if err := op(i); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if err := op(i); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkGet(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	c := newBenchCache(b, benchKeyCount, keys)
	for _, parallel := range []bool{false, true} {
		b.Run(fmt.Sprintf("hit/parallel=%v", parallel), func(b *testing.B) {
			runOp(b, parallel, func(i int) error {
				_, err := c.Get(keys[i&(benchKeyCount-1)])
				return err
			})
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	keys := benchKeys(benchKeyCount)
	fb := &benchRoute{"fallback"}
	exact := newBenchCache(b, benchKeyCount, keys)
	for _, parallel := range []bool{false, true} {
		b.Run(fmt.Sprintf("exact/parallel=%v", parallel), func(b *testing.B) {
			runOp(b, parallel, func(i int) error {
				_, err := exact.Resolve(keys[i&(benchKeyCount-1)], fb)
				return err
			})
		})
	}

	// Threads whose own routes are gone: each call answers from the room
	// and stores the route for the thread. The stored routes are deleted
	// outside the timer whenever every thread has been resolved once.
	var rooms, threads []Key
	for _, k := range keys {
		if k.Thread == "" {
			rooms = append(rooms, k)
		} else {
			threads = append(threads, k)
		}
	}
	b.Run("room", func(b *testing.B) {
		c := newBenchCache(b, benchKeyCount, rooms)
		runOp(b, false, func(i int) error {
			return resolveFresh(b, c, threads, i, SourceRoom)
		})
	})
	// Rooms that hold nothing: each call stores the supplied fallback.
	// (Rooms only: a thread would find the route just stored for its room.)
	b.Run("fallback", func(b *testing.B) {
		c := newBenchCache(b, benchKeyCount, nil)
		runOp(b, false, func(i int) error {
			return resolveFresh(b, c, rooms, i, SourceFallback, fb)
		})
	})
}

// resolveFresh resolves keys[i % len(keys)], first deleting, outside the
// timer, what earlier rounds stored for keys, and checks the answer's
// source.
func resolveFresh(b *testing.B, c *Cache[*benchRoute], keys []Key, i int, want Source, fallbacks ...*benchRoute) error {
	j := i % len(keys)
	if j == 0 && i > 0 {
		b.StopTimer()
		for _, k := range keys {
			c.Delete(k)
		}
		b.StartTimer()
	}
	res, err := c.Resolve(keys[j], fallbacks...)
	if err == nil && res.Source != want {
		err = fmt.Errorf("resolved from %v, want %v", res.Source, want)
	}
	return err
}

func BenchmarkSet(b *testing.B) {
	r := &benchRoute{"r"}
	// New keys into a full cache: every Set evicts the oldest write.
	b.Run("new", func(b *testing.B) {
		keys := benchKeys(1 << 20)
		c := newBenchCache(b, benchKeyCount/8, nil)
		runOp(b, false, func(i int) error { return c.Set(keys[i&(1<<20-1)], r) })
	})
	keys := benchKeys(benchKeyCount)
	for _, parallel := range []bool{false, true} {
		b.Run(fmt.Sprintf("overwrite/parallel=%v", parallel), func(b *testing.B) {
			c := newBenchCache(b, benchKeyCount, keys)
			runOp(b, parallel, func(i int) error { return c.Set(keys[i&(benchKeyCount-1)], r) })
		})
	}
}
