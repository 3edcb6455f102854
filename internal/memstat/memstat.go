// Package memstat measures the live heap, for tests, benchmarks and the
// load tool that check what a cache costs in memory.
package memstat

import "runtime"

// LiveHeap returns the bytes of live heap objects: it runs a full garbage
// collection twice, then reads HeapAlloc. Twice, because an object with a
// finalizer, and what sync.Pool's victim cache holds, survive the first
// collection that finds them unreachable and go only in the second. Cost:
// two stop-the-world collections; never call it inside a timed loop.
func LiveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}
