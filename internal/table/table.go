// Package table is a concurrent hash table keyed by a caller-computed
// 64-bit hash, with the full key checked in each slot, and with a second
// way in by write sequence number, for an expiry index that knows a write
// only by (hash, seq).
//
// The primary map is an xsync MapOf keyed by the hash (CLHT-style:
// lock-free reads, one bucket lock per write); while one key holds a hash,
// its slot is stored there by value and every operation costs one map
// operation. When a second key arrives with the same hash, every key of
// that hash moves to a collision group (group.go) and the primary slot
// becomes a marker. The hash may be chosen by an attacker (XXH64 can be
// inverted), so the group is no list: it is a map of its own keyed by the
// key, with an index by sequence number, and every operation on a
// colliding key costs a constant number of map operations more than on an
// ordinary key, however many keys share the hash.
//
// Readers take no lock. Writers of a hash are serialised by the primary
// bucket lock of the hash while it has no group, and by the group's mutex
// once it has one.
package table

import (
	"sync/atomic"

	"github.com/puzpuzpuz/xsync/v3"
)

// Name is what a slot keeps of its key K: it may take less room than K
// (the cache's name for its four-string key takes 48 bytes instead of 64),
// it tells whether it names a given K, and it gives the K back. The table
// compares keys only through Names, and keys the maps of its collision
// groups by the K that Key returns.
type Name[K any] interface {
	// Names reports whether the name is k's. Called by writes; it must
	// not allocate. k comes by value: a pointer passed to a method of a
	// type parameter escapes, and the caller's key would move to the
	// heap.
	Names(k K) bool
	// Key returns the key the name was made from.
	Key() K
}

// Slot is what the table stores for a key: the key's name, the sequence
// number of the write that stored it, and the caller's value. Slots are
// immutable once stored: a write stores a new slot. Seq 0 is reserved: the
// callers' sequence numbers start at 1.
type Slot[N, V any] struct {
	Name  N
	Seq   uint64
	Value V
}

// isMarker reports whether s is the primary slot of a hash whose keys live
// in a collision group.
func (s Slot[N, V]) isMarker() bool { return s.Seq == 0 }

// Table maps keys to slots. The zero Table is not usable; create it with
// New. Every method is safe for concurrent use.
// K is the key type, N the name a slot keeps of a key.
type Table[K comparable, N Name[K], V any] struct {
	primary *xsync.MapOf[uint64, Slot[N, V]] // set by New
	// groups holds the collision group of every hash whose primary slot is
	// a marker. A group is stored here before its marker is published and
	// deleted after the marker is, so a reader that meets a marker finds
	// its group. The map is made by the first collision (groupMap): most
	// tables never have one, and an xsync map costs about 2.5 KiB empty.
	groups atomic.Pointer[xsync.MapOf[uint64, *group[K, N, V]]]

	// The counts are written by inserts and removals; the padding keeps
	// them off the cache line of the pointers above, which every read
	// loads.
	_ [48]byte
	// count is the number of keys held. Incremented under the lock that
	// inserts, before the slot is published, and decremented under the
	// lock that removes: a removal is ordered after the insert it undoes
	// by that lock, so count is never negative.
	count atomic.Int64
	// collisions counts the keys that live in collision groups.
	collisions atomic.Int64
	_          [48]byte
}

// New returns an empty table.
func New[K comparable, N Name[K], V any]() *Table[K, N, V] {
	return &Table[K, N, V]{
		primary: xsync.NewMapOfWithHasher[uint64, Slot[N, V]](mixHash),
	}
}

// groupOf returns the collision group of hash h, if it has one.
func (t *Table[K, N, V]) groupOf(h uint64) (*group[K, N, V], bool) {
	m := t.groups.Load()
	if m == nil {
		return nil, false
	}
	return m.Load(h)
}

// groupMap returns the map of collision groups, making it if no collision
// has made it yet.
func (t *Table[K, N, V]) groupMap() *xsync.MapOf[uint64, *group[K, N, V]] {
	if m := t.groups.Load(); m != nil {
		return m
	}
	t.groups.CompareAndSwap(nil, xsync.NewMapOfWithHasher[uint64, *group[K, N, V]](mixHash))
	return t.groups.Load()
}

// mixHash is the maps' hasher. The key already is a hash, but a map picks
// buckets by its low bits; mixing in the map's random seed and folding the
// high bits down keeps hashes chosen to share low bits from piling into
// one bucket chain.
func mixHash(h, seed uint64) uint64 {
	h ^= seed
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// Len returns the number of keys held. It may count a key being inserted
// before a reader can see it, and never goes below zero.
func (t *Table[K, N, V]) Len() int64 { return t.count.Load() }

// Collisions returns the number of keys held in collision groups.
func (t *Table[K, N, V]) Collisions() int64 { return t.collisions.Load() }

// Probe returns the slot the primary map holds for h: the slot of a key k
// when its Seq is not 0 and its Name names k, as it is for every key whose
// hash no other key shares. A slot with Seq 0 is the marker of a hash that
// several keys share: their slots are LoadShared's to find. Another key's
// slot, or nothing, is a miss. Lock-free; allocates nothing.
//
// The table has no Load that does both: it would compare through a method
// of the type parameter N, whose pointer arguments escape, and the
// caller's key would move to the heap. The caller compares with its own
// concrete type instead. Probe is inlined into the cache's hit path;
// reading through it instead of a lookup too large to inline made a hit on
// keys held in the CPU's caches 6.8 % faster (bench/results-notes.md).
func (t *Table[K, N, V]) Probe(h uint64) (Slot[N, V], bool) { return t.primary.Load(h) }

// LoadShared returns the slot of *k from the collision group of hash h,
// given whether Probe found h's marker (marker false: there is no group to
// look in, and the answer is a miss). Lock-free: two map reads. k is a
// pointer because every copy of a Key showed in the profile of a hit.
func (t *Table[K, N, V]) LoadShared(h uint64, k *K, marker bool) (Slot[N, V], bool) {
	if !marker {
		return Slot[N, V]{}, false
	}
	if g, ok := t.groupOf(h); ok {
		return g.load(*k)
	}
	return Slot[N, V]{}, false // the group dissolved: k is not held
}

// LoadSeq returns the slot stored under hash h by the write seq, if that
// write is still current. Lock-free for a hash one key holds; a group's
// index by seq is read under the group's lock, which maintenance, the only
// caller, can afford.
func (t *Table[K, N, V]) LoadSeq(h, seq uint64) (Slot[N, V], bool) {
	s, ok := t.primary.Load(h)
	if !ok || (!s.isMarker() && s.Seq != seq) {
		return Slot[N, V]{}, false
	}
	if !s.isMarker() {
		return s, true
	}
	if g, ok := t.groupOf(h); ok {
		return g.loadSeq(seq)
	}
	return Slot[N, V]{}, false
}

// Store stores s for its key, whose hash is h, and returns the slot it
// replaced. It allocates one object: the map's entry for the slot.
func (t *Table[K, N, V]) Store(h uint64, s Slot[N, V]) (old Slot[N, V], replaced bool) {
	k := s.Name.Key()
	for {
		// A hash's slot can be a marker only once some collision has made
		// the group map. Until then the read that looks for a marker is
		// skipped: the Compute below reads the same bucket, and a table
		// without groups saves a lookup on every write.
		if t.groups.Load() != nil {
			if cur, ok := t.primary.Load(h); ok && cur.isMarker() {
				if g, ok := t.groupOf(h); ok {
					if old, replaced, done := g.store(t, k, s); done {
						return old, replaced
					}
				}
				continue // the group dissolved meanwhile: start again
			}
		}
		done := false
		t.primary.Compute(h, func(cur Slot[N, V], loaded bool) (Slot[N, V], bool) {
			switch {
			case !loaded:
				t.count.Add(1)
				done = true
				return s, false
			case cur.isMarker():
				return cur, false // a group formed meanwhile: use it
			case cur.Name.Names(k):
				old, replaced, done = cur, true, true
				return s, false
			}
			// A second key for the hash: both move to a new group, which
			// is published before the marker that points readers to it.
			g := newGroup[K](cur, s)
			t.groupMap().Store(h, g)
			t.count.Add(1)
			t.collisions.Add(2)
			done = true
			return Slot[N, V]{}, false
		})
		if done {
			return old, replaced
		}
	}
}

// Remove removes k's slot if accept accepts it, and returns the removed
// slot. accept runs under the lock that serialises the writes of h.
func (t *Table[K, N, V]) Remove(h uint64, k K, accept func(Slot[N, V]) bool) (Slot[N, V], bool) {
	return t.remove(h, func(s Slot[N, V]) bool { return s.Name.Names(k) }, func(g *group[K, N, V]) (Slot[N, V], bool) {
		return g.remove(t, h, k, accept)
	}, accept)
}

// RemoveSeq removes the slot stored under hash h by the write seq, if that
// write is still current and accept accepts it, whichever key it belongs
// to: an expiry index knows a write only by hash and seq. A seq that is no
// longer current costs one lock-free read.
func (t *Table[K, N, V]) RemoveSeq(h, seq uint64, accept func(Slot[N, V]) bool) (Slot[N, V], bool) {
	return t.remove(h, func(s Slot[N, V]) bool { return s.Seq == seq }, func(g *group[K, N, V]) (Slot[N, V], bool) {
		return g.removeSeq(t, h, seq, accept)
	}, accept)
}

// remove removes the primary slot of h if it matches and accept accepts
// it, or, for a hash with a group, does inGroup. A slot that does not
// match is found by a lock-free read first: a Compute that kept it would
// still rewrite it.
func (t *Table[K, N, V]) remove(h uint64, matches func(Slot[N, V]) bool, inGroup func(*group[K, N, V]) (Slot[N, V], bool), accept func(Slot[N, V]) bool) (old Slot[N, V], removed bool) {
	for {
		cur, ok := t.primary.Load(h)
		switch {
		case !ok:
			return Slot[N, V]{}, false
		case cur.isMarker():
			if g, ok := t.groupOf(h); ok {
				return inGroup(g)
			}
			continue // the group dissolved meanwhile: look again
		case !matches(cur):
			return Slot[N, V]{}, false
		}
		retry := false
		t.primary.Compute(h, func(cur Slot[N, V], loaded bool) (Slot[N, V], bool) {
			switch {
			case !loaded:
				return cur, true // gone meanwhile; deleting nothing stores nothing
			case cur.isMarker():
				retry = true
				return cur, false
			case !matches(cur) || !accept(cur):
				return cur, false
			}
			t.count.Add(-1)
			old, removed = cur, true
			return cur, true
		})
		if !retry {
			return old, removed
		}
	}
}

// Range calls f for every slot until f returns false. Weakly consistent,
// like xsync's Range: a slot stored or removed meanwhile may or may not be
// seen, and a key whose hash gained a group meanwhile may be seen twice.
// f runs outside every lock.
func (t *Table[K, N, V]) Range(f func(Slot[N, V]) bool) {
	more := true
	t.primary.Range(func(_ uint64, s Slot[N, V]) bool {
		if !s.isMarker() {
			more = f(s)
		}
		return more
	})
	if more && t.collisions.Load() > 0 {
		t.groupMap().Range(func(_ uint64, g *group[K, N, V]) bool {
			g.byKey.Range(func(_ K, s Slot[N, V]) bool {
				more = f(s)
				return more
			})
			return more
		})
	}
}
