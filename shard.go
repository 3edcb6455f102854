package routecache

import (
	"sync"
	"sync/atomic"
)

// Compaction drops the wheel nodes of overwritten and removed writes. It
// checks every node held with a map lookup, so it runs only once stale nodes
// outnumber live ones: at most about two lookups per overwrite, amortised.
// The background goroutine does it as soon as stale nodes pass one per live
// entry plus compactSlack, off the request path; a writer does it only past
// writerStaleFactor per live entry, which a running background goroutine
// never lets happen. Without one (a Config.Clock and no PruneInterval),
// the writers' bound keeps memory proportional to live entries.
//
// Measured with BenchmarkSetOverwrite (64k keys): compaction in the writer
// at one stale node per live entry took 31% of the Set's time.
const (
	compactSlack      = 1024
	writerStaleFactor = 4
)

// staleOver reports whether s holds more stale nodes than factor per live
// entry plus compactSlack.
func (s *shard[V]) staleOver(factor int64) bool {
	return s.stale.Load() > factor*s.size.Load()+compactSlack
}

// shard is one independent part of the cache: a map, a write sequence, a
// size and an expiry wheel. Operations on different shards share nothing.
type shard[V any] struct {
	table *table[V] // set at construction
	wheel *wheel    // set at construction

	// seq numbers the shard's writes; a wheel node is current while its
	// seq equals the entry's. Incremented by every store.
	seq atomic.Uint64
	// size counts entries held. Incremented after an insert is published
	// and its wheel node filed, decremented after a removal.
	size atomic.Int64
	// stale estimates the wheel nodes whose write is no longer current:
	// incremented when an entry is overwritten or removed outside the
	// wheel, decremented when the wheel drops such a node.
	stale atomic.Int64

	// maintenance admits one goroutine at a time to the work that consumes
	// the wheel: sweeping, capacity eviction and compaction. Writers only
	// try it; Prune waits for it.
	maintenance sync.Mutex

	_ [64]byte // keep the next shard's hot counters off this shard's cache lines
}

func newShard[V any](segmentShift uint, now int64) shard[V] {
	return shard[V]{table: newTable[V](), wheel: newWheel(segmentShift, now)}
}

// store publishes a write of route for k and files it in the wheel. It does
// not evict; the caller runs afterWrite.
func (s *shard[V]) store(h uint64, k Key, route V, now, expiresAt int64) {
	seq := s.seq.Add(1)
	e := entry[V]{key: k, route: route, updatedAt: now, expiresAt: expiresAt, seq: seq}
	_, replaced := s.table.store(h, k, e)
	// The node is filed after the entry is published, so whoever meets the
	// node can find the entry; size counts the entry only once its node is
	// filed, so an evictor that sees the shard over capacity finds a node.
	s.wheel.add(node{hash: h, seq: seq}, expiresAt)
	if replaced {
		s.stale.Add(1)
	} else {
		s.size.Add(1)
	}
}

// remove removes k's entry if remove accepts it, and reports how it left.
func (s *shard[V]) remove(h uint64, k Key, remove func(entry[V]) bool) (entry[V], bool) {
	e, ok := s.table.removeIf(h, k, remove)
	if ok {
		s.size.Add(-1)
		s.stale.Add(1) // its wheel node stays behind
	}
	return e, ok
}

// removeNode removes the entry a wheel node points to, if it is still that
// write and remove accepts it. It reports whether the node was current.
func (s *shard[V]) removeNode(n node, remove func(entry[V]) bool) (e entry[V], removed, current bool) {
	// A lock-free look first: a stale node must not cost a Compute, which
	// rewrites the unrelated entry it finds.
	e, current = s.table.lookupSeq(n.hash, n.seq)
	if !current {
		s.stale.Add(-1)
		return e, false, false
	}
	if !remove(e) {
		return e, false, true
	}
	e, removed = s.table.removeSeq(n.hash, n.seq, remove)
	if removed {
		s.size.Add(-1)
		return e, true, true
	}
	// Overwritten or removed between the look and the lock.
	s.stale.Add(-1)
	return e, false, false
}
