package bench

import "runtime"

// liveHeapBytes returns the bytes of live heap objects after two full
// collections (the second one frees what finalizers released in the
// first). Cost: two stop-the-world collections; never call it in a timed
// loop.
func liveHeapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
