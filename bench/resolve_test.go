package bench

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/c41db742/routecache"
)

// BenchmarkResolve measures routecache's Resolve on each of its paths.
//
//   - path=exact: every key is held; keys and Zipf choice are those of
//     ReadHit, so the result compares with ReadHit/cache=xsyncmap.
//   - path=room: only room keys are held; each Resolve of a thread key
//     misses the thread, answers from the room and stores that route for the
//     thread, which the loop then Deletes so the next round misses again.
//   - path=fallback: nothing is held; each Resolve misses (the thread and,
//     for thread keys, the room), stores the supplied route and is followed
//     by a Delete.
//   - path=set-delete: a Set and a Delete of the same keys, the part of the
//     room and fallback rounds that is not lookup.
//
// In the room, fallback and set-delete paths each goroutine owns whole
// rooms (the room key and its threads), so no goroutine finds a route that
// another one stored for a thread or its room.
func BenchmarkResolve(b *testing.B) {
	goroutines := runtime.GOMAXPROCS(0)
	w := newHotWorkload(b, goroutines)
	keys, routes, opts := w.keys, w.routes, w.opts
	fallback := routes[0]

	b.Run("path=exact", func(b *testing.B) {
		cache := openResolveCache(b, opts)
		defer cache.Close() // each timing round's cache goes before the next one's starts
		for i := range keys.keys {
			mustSet(b, cache, keys.keys[i].key, routes[i%routePoolSize])
		}
		runtime.GC()
		counts := runParallel(b, w.streams, func(_ int, index uint32) opResult {
			res, err := cache.Resolve(keys.keys[index].key)
			if err != nil || res.Source != routecache.SourceExact {
				return opMissed
			}
			return opHit
		})
		checkNone(b, "Resolve answered other than from the exact key", counts[opMissed])
	})

	b.Run("path=room", func(b *testing.B) {
		cache := openResolveCache(b, opts)
		defer cache.Close()
		for _, i := range keys.rooms {
			mustSet(b, cache, keys.keys[i].key, routes[i%routePoolSize])
		}
		runtime.GC()
		runOwnedRounds(b, keys.keys, partitionByRoom(keys.keys, keys.threads, goroutines),
			"Resolve answered other than from the room", func(k routecache.Key) bool {
				res, err := cache.Resolve(k)
				cache.Delete(k)
				return err == nil && res.Source == routecache.SourceRoom
			})
	})

	b.Run("path=fallback", func(b *testing.B) {
		cache := openResolveCache(b, opts)
		defer cache.Close()
		runOwnedRounds(b, keys.keys, partitionByRoom(keys.keys, allIndexes(len(keys.keys)), goroutines),
			"Resolve answered other than from the fallback", func(k routecache.Key) bool {
				res, err := cache.Resolve(k, fallback)
				cache.Delete(k)
				return err == nil && res.Source == routecache.SourceFallback
			})
	})

	b.Run("path=set-delete", func(b *testing.B) {
		cache := openResolveCache(b, opts)
		defer cache.Close()
		runOwnedRounds(b, keys.keys, partitionByRoom(keys.keys, allIndexes(len(keys.keys)), goroutines),
			"Set or Delete failed", func(k routecache.Key) bool {
				return cache.Set(k, fallback) == nil && cache.Delete(k)
			})
	})
}

// runOwnedRounds times round over the keys each RunParallel goroutine owns
// (one share of shares per goroutine) and fails the benchmark, naming what,
// if any round reported false.
func runOwnedRounds(b *testing.B, keys []benchKey, shares [][]int, what string, round func(routecache.Key) bool) {
	b.Helper()
	var next atomic.Int32
	var failed atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		own := shares[int(next.Add(1)-1)%len(shares)]
		fail := int64(0)
		for i := 0; pb.Next(); i++ {
			if !round(keys[own[i%len(own)]].key) {
				fail++
			}
		}
		failed.Add(fail)
	})
	b.StopTimer()
	checkNone(b, what, failed.Load())
}

// openResolveCache opens a routecache configured like the shared workloads'.
// The caller closes it when its timing round ends, so that no earlier
// round's cache and background goroutine run beside the next one.
func openResolveCache(b *testing.B, opts cacheOptions) *routecache.Cache[*route] {
	b.Helper()
	cache, err := routecache.New(routecacheConfig(opts))
	if err != nil {
		b.Fatal(err)
	}
	return cache
}

func mustSet(tb testing.TB, cache *routecache.Cache[*route], k routecache.Key, r *route) {
	tb.Helper()
	if err := cache.Set(k, r); err != nil {
		tb.Fatalf("Set(%v): %v", k, err)
	}
}

// checkNone fails the benchmark when a workload's own check counted
// anything: a number measured on the wrong path is not worth reporting.
func checkNone(b *testing.B, what string, count int64) {
	b.Helper()
	if count != 0 {
		b.Fatalf("%s %d times", what, count)
	}
}

// partitionByRoom deals the keys at indexes into n disjoint slices, keeping
// every key of a room (the room key and its threads) in the same slice.
func partitionByRoom(keys []benchKey, indexes []int, n int) [][]int {
	shares := make([][]int, n)
	slotOf := make(map[routecache.Key]int)
	for _, index := range indexes {
		room := keys[index].key.RoomScope()
		slot, seen := slotOf[room]
		if !seen {
			slot = len(slotOf) % n
			slotOf[room] = slot
		}
		shares[slot] = append(shares[slot], index)
	}
	return shares
}

func allIndexes(n int) []int {
	indexes := make([]int, n)
	for i := range indexes {
		indexes[i] = i
	}
	return indexes
}
