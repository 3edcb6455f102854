package routecache

import (
	"sync"
	"sync/atomic"

	"github.com/c41db742/routecache/internal/table"
	"github.com/c41db742/routecache/internal/wheel"
)

// stored is what a shard keeps for a key besides the key itself.
type stored[V any] struct {
	route     V
	updatedAt int64 // ns since the cache's epoch
	expiresAt int64 // ns since the cache's epoch; alive while after now
}

// entry is one stored write: the key's name, the shard's sequence number
// of the write, and what was written. Immutable once published: a Set
// publishes a new entry, never edits one.
//
// Bytes per entry on amd64 with an 8-byte route (a pointer), the key
// strings' own bytes excluded: the map's entry object holds the hash (8),
// the key's name (48, see keyName), the seq (8) and stored (24): 88 bytes,
// in the 96-byte size class; the map's bucket slot, 8 bytes at a load
// between 0.375 and 0.75 per 5-slot bucket; and the wheel node (24).
// TestEntryAndShardLayout checks the sizes; the Memory benchmark measures
// the whole (see bench/results-notes.md). Keying the map by the 64-bit
// hash instead of the Key is what lets a wheel node find its entry
// without carrying the Key.
type entry[V any] = table.Slot[keyName, stored[V]]

// holds reports whether e, found under k's hash, is k's entry: not a
// collision group's marker, and named k.
func holds[V any](e *entry[V], k *Key) bool { return e.Seq != 0 && e.Name.is(k) }

// shard is one independent part of the cache: a table, an expiry wheel, a
// write sequence and the count of stale wheel nodes. Operations on
// different shards share nothing.
type shard[V any] struct {
	table *table.Table[Key, keyName, stored[V]] // set at construction; counts the entries
	wheel *wheel.Wheel                          // set at construction

	// The pointers above are read by every operation; the counters below
	// are written by every write. The padding keeps them on different
	// cache lines, so writers do not slow readers of the same shard.
	_ [48]byte

	// seq numbers the shard's writes; a wheel node is current while its
	// seq equals the entry's. Incremented by every store.
	seq atomic.Uint64
	// stale estimates the wheel nodes whose write is no longer current:
	// incremented when an entry is overwritten or removed outside the
	// wheel, decremented when the wheel drops such a node.
	stale atomic.Int64

	// maintenance admits one goroutine at a time to the work that takes
	// nodes out of the wheel: sweeping, capacity eviction and compaction.
	// Writers only try it; Prune and the background sweep wait for it.
	// Every holder keeps it for a bounded batch of work (see maintain.go).
	maintenance sync.Mutex

	_ [40]byte // the next shard's pointers start on a line of their own
}

func newShard[V any](segmentShift uint, now int64) shard[V] {
	return shard[V]{table: table.New[Key, keyName, stored[V]](), wheel: wheel.New(segmentShift, now)}
}

// size is the number of entries the shard holds. Never negative; it may
// count an entry a writer is still publishing.
func (s *shard[V]) size() int64 { return s.table.Len() }

// store publishes a write of route for k and files it in the wheel. It does
// not evict; the caller runs afterWrite.
func (s *shard[V]) store(h uint64, k Key, route V, now, expiresAt int64) {
	seq := s.seq.Add(1)
	_, replaced := s.table.Store(h, entry[V]{Name: nameOf(&k), Seq: seq, Value: stored[V]{route, now, expiresAt}})
	// The node is filed after the entry is published, so whoever takes the
	// node finds the entry.
	s.wheel.Add(wheel.Node{Hash: h, Seq: seq, ExpiresAt: expiresAt})
	if replaced {
		s.stale.Add(1)
	}
}

// load returns k's entry, whose hash is h. Lock-free; allocates nothing.
// Get and Resolve spell the same steps out inline: a call that returns an
// entry copies it through memory (see Get).
func (s *shard[V]) load(h uint64, k *Key) (entry[V], bool) {
	e, ok := s.table.Probe(h)
	if ok && holds(&e, k) {
		return e, true
	}
	return s.table.LoadShared(h, k, ok && e.Seq == 0)
}

// remove removes k's entry if accept accepts it.
func (s *shard[V]) remove(h uint64, k Key, accept func(entry[V]) bool) (entry[V], bool) {
	e, ok := s.table.Remove(h, k, accept)
	if ok {
		s.stale.Add(1) // its wheel node stays behind
	}
	return e, ok
}

// takeNode removes the entry whose wheel node the wheel gave up, if the
// node's write is still the entry's. A stale node is only counted off.
func (s *shard[V]) takeNode(n wheel.Node) (entry[V], bool) {
	if e, removed := s.table.RemoveSeq(n.Hash, n.Seq, acceptAny[V]); removed {
		return e, true
	}
	s.stale.Add(-1)
	return entry[V]{}, false
}

func acceptAny[V any](entry[V]) bool { return true }

// staleOver reports whether s holds more stale nodes than factor per live
// entry plus compactSlack.
func (s *shard[V]) staleOver(factor int64) bool {
	return s.stale.Load() > factor*s.size()+compactSlack
}
