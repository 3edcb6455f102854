package fuzz

import (
	"fmt"
	"sync"
	"time"

	"github.com/c41db742/routecache"
)

// evictCall is one OnEvict call as the cache made it.
type evictCall[V comparable] struct {
	key    routecache.Key
	route  V
	reason routecache.EvictReason
}

func (e evictCall[V]) String() string {
	return fmt.Sprintf("(%q, %v, %v)", e.key.String(), e.route, e.reason)
}

// evictRecorder collects OnEvict calls. The mutex matters only where
// background pruning or several goroutines evict at once; the sequential
// fuzzer pays an uncontended lock per call.
type evictRecorder[V comparable] struct {
	mu    sync.Mutex
	calls []evictCall[V] // guarded by mu
	// recorded, once await made it, receives after each call recorded;
	// buffered (1), so a call between await's drain and its receive is
	// not missed. Guarded by mu.
	recorded chan struct{}
}

// record is the OnEvict callback.
func (r *evictRecorder[V]) record(k routecache.Key, route V, reason routecache.EvictReason) {
	r.mu.Lock()
	r.calls = append(r.calls, evictCall[V]{key: k, route: route, reason: reason})
	if r.recorded != nil {
		select {
		case r.recorded <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	r.mu.Unlock()
}

// await drains calls into dst until it holds at least n, waking on each
// recorded call, for an OnEvict another goroutine (the background sweep)
// is bound to make. guard is only a deadlock guard: when it passes, await
// returns what it has and false.
func (r *evictRecorder[V]) await(dst []evictCall[V], n int, guard time.Duration) ([]evictCall[V], bool) {
	r.mu.Lock()
	if r.recorded == nil {
		r.recorded = make(chan struct{}, 1)
	}
	recorded := r.recorded
	r.mu.Unlock()
	deadlock := time.NewTimer(guard)
	defer deadlock.Stop()
	for {
		if dst = r.drain(dst); len(dst) >= n {
			return dst, true
		}
		select {
		case <-recorded:
		case <-deadlock.C:
			return r.drain(dst), false
		}
	}
}

// drain appends the calls recorded since the last drain to dst and forgets
// them.
func (r *evictRecorder[V]) drain(dst []evictCall[V]) []evictCall[V] {
	r.mu.Lock()
	dst = append(dst, r.calls...)
	r.calls = r.calls[:0]
	r.mu.Unlock()
	return dst
}

// sameCalls reports whether a and b hold the same calls, in any order: the
// SPEC fixes which entries leave, not the order one operation reports them.
func sameCalls[V comparable](a, b []evictCall[V]) bool {
	if len(a) != len(b) {
		return false
	}
	var small [8]bool // the common case: no allocation per compared operation
	used := small[:0]
	if len(b) <= len(small) {
		used = small[:len(b)]
	} else {
		used = make([]bool, len(b))
	}
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && x == y {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}
