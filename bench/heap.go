package bench

import "runtime"

// liveHeap returns the bytes of live heap objects after two full collections
// (objects kept by a finalizer or by sync.Pool's victim cache survive the
// first). Cost: two stop-the-world collections; never call it in a timed
// loop.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
