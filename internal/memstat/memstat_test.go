package memstat

import (
	"runtime"
	"sync"
	"testing"
)

// LiveHeap counts what is reachable and nothing that is not: a retained
// block shows up in full, and is gone again once dropped.
func TestLiveHeapFollowsReachableObjects(t *testing.T) {
	const size = 16 << 20
	before := LiveHeap()
	block := make([]byte, size)
	held := LiveHeap()
	runtime.KeepAlive(block)
	block = nil
	after := LiveHeap()
	if held < before+size-size/16 {
		t.Errorf("holding %d bytes: LiveHeap %d -> %d, want at least %d more", size, before, held, size-size/16)
	}
	if after > before+size/16 {
		t.Errorf("after dropping the block: LiveHeap = %d, want at most %d", after, before+size/16)
	}
}

// What sync.Pool holds survives one collection in the pool's victim cache;
// LiveHeap's second collection frees it.
func TestLiveHeapFreesPooledObjects(t *testing.T) {
	const size = 16 << 20
	var pool sync.Pool
	before := LiveHeap()
	pool.Put(make([]byte, size))
	after := LiveHeap()
	runtime.KeepAlive(&pool)
	if after > before+size/16 {
		t.Errorf("a pooled block nobody takes: LiveHeap %d -> %d, want it freed", before, after)
	}
}
