package routecache

import (
	"sync/atomic"

	"github.com/puzpuzpuz/xsync/v3"
)

// entry is one stored write. It is immutable once published: a Set
// publishes a new entry, never edits one.
//
// Bytes per entry on amd64 with an 8-byte route (a pointer), key strings'
// own bytes excluded:
//
//	xsync entry object: hash key 8 + Key 64 + route 8 + updatedAt 8
//	  + expiresAt 8 + seq 8 = 104, allocated in the 112-byte size class  112
//	xsync bucket slot: a 64-byte bucket holds 5 entries, at a load of
//	  0.375..0.75 between resizes                                       17..34
//	wheel node: hash 8 + seq 8, in blocks of up to 1024                    16
//	total                                                              ~145..162
//
// Keying the map by the 64-bit hash instead of the Key is what keeps the
// wheel node at 16 bytes: a node finds its entry by hash alone. A node that
// had to carry the Key would cost 80 bytes.
type entry[V any] struct {
	key       Key
	route     V
	updatedAt int64  // ns since the cache's epoch
	expiresAt int64  // ns since the cache's epoch; alive while > now
	seq       uint64 // the shard's write sequence number of this write
}

// table is a shard's map from key to entry. It is keyed by the key's 64-bit
// hash, and the full key is checked in the entry. Two keys whose hashes
// collide cannot share the slot: the second one lives in the collided map,
// keyed by the Key itself, for as long as it exists. A key moves between
// the two only by being removed, so a reader never misses a live key.
//
// Every mutation of a hash h runs inside primary.Compute(h), under the
// primary bucket lock of h; the collided map is touched only from there, so
// all writes of keys sharing a hash are serialised. Readers take no lock.
type table[V any] struct {
	primary *xsync.MapOf[uint64, entry[V]]
	// collisions counts entries in collided; readers look there only when
	// it is non-zero. Written inside primary.Compute.
	collisions atomic.Int64
	// collided is created on the first collision and published before
	// collisions first becomes non-zero.
	collided atomic.Pointer[xsync.MapOf[Key, entry[V]]]
}

func newTable[V any]() *table[V] {
	return &table[V]{primary: xsync.NewMapOfWithHasher[uint64, entry[V]](mixHash)}
}

// mixHash is the primary map's hasher. The key already is an xxhash, but
// the map picks buckets by its low bits; mixing in the map's random seed
// and folding the high bits down keeps crafted keys whose hashes share low
// bits from piling into one bucket chain.
func mixHash(h, seed uint64) uint64 {
	h ^= seed
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// load returns the entry for k. Lock-free; allocates nothing.
func (t *table[V]) load(h uint64, k Key) (entry[V], bool) {
	e, ok := t.primary.Load(h)
	if ok && e.key == k {
		return e, true
	}
	if t.collisions.Load() == 0 {
		return entry[V]{}, false
	}
	return t.collided.Load().Load(k)
}

// store publishes e for k, returning the entry it replaced.
func (t *table[V]) store(h uint64, k Key, e entry[V]) (old entry[V], replaced bool) {
	t.primary.Compute(h, func(cur entry[V], loaded bool) (entry[V], bool) {
		switch {
		case loaded && cur.key == k:
			old, replaced = cur, true
			return e, false
		case loaded:
			// Another key holds the hash: k lives in the collided map.
			old, replaced = t.storeCollided(k, e)
			return cur, false
		}
		if t.collisions.Load() > 0 {
			if o, ok := t.collided.Load().Load(k); ok {
				// k went to the collided map while another key held the
				// hash; it stays there until it is removed.
				t.collided.Load().Store(k, e)
				old, replaced = o, true
				return cur, true // nothing to store in primary
			}
		}
		return e, false
	})
	return old, replaced
}

// storeCollided stores e in the collided map. Called inside primary.Compute.
func (t *table[V]) storeCollided(k Key, e entry[V]) (entry[V], bool) {
	m := t.collided.Load()
	if m == nil {
		// Computes of different hashes run concurrently: the first to
		// publish a map wins and the others use it.
		m = xsync.NewMapOf[Key, entry[V]]()
		if !t.collided.CompareAndSwap(nil, m) {
			m = t.collided.Load()
		}
	}
	old, loaded := m.Load(k)
	if !loaded {
		t.collisions.Add(1)
	}
	m.Store(k, e)
	return old, loaded
}

// removeIf removes k's entry if remove accepts it, returning the removed
// entry.
func (t *table[V]) removeIf(h uint64, k Key, remove func(entry[V]) bool) (old entry[V], removed bool) {
	t.primary.Compute(h, func(cur entry[V], loaded bool) (entry[V], bool) {
		if loaded && cur.key == k {
			if remove(cur) {
				old, removed = cur, true
				return cur, true
			}
			return cur, false
		}
		if t.collisions.Load() > 0 {
			old, removed = t.removeCollided(k, remove)
		}
		return cur, !loaded // keep an unrelated entry; store nothing if none
	})
	return old, removed
}

// removeSeq removes the entry written with seq under hash h, whichever key
// it belongs to: the wheel knows a write only by hash and seq.
func (t *table[V]) removeSeq(h uint64, seq uint64, remove func(entry[V]) bool) (old entry[V], removed bool) {
	t.primary.Compute(h, func(cur entry[V], loaded bool) (entry[V], bool) {
		if loaded && cur.seq == seq {
			if remove(cur) {
				old, removed = cur, true
				return cur, true
			}
			return cur, false
		}
		if t.collisions.Load() > 0 {
			if k, ok := t.collidedKeyOf(seq); ok {
				old, removed = t.removeCollided(k, func(e entry[V]) bool { return e.seq == seq && remove(e) })
			}
		}
		return cur, !loaded
	})
	return old, removed
}

// removeCollided removes k from the collided map if remove accepts its
// entry. Called inside primary.Compute.
func (t *table[V]) removeCollided(k Key, remove func(entry[V]) bool) (entry[V], bool) {
	m := t.collided.Load()
	e, ok := m.Load(k)
	if !ok || !remove(e) {
		return entry[V]{}, false
	}
	m.Delete(k)
	t.collisions.Add(-1)
	return e, true
}

// lookupSeq returns the entry written with seq under hash h, if it is still
// the current write of its key. Lock-free.
func (t *table[V]) lookupSeq(h uint64, seq uint64) (entry[V], bool) {
	e, ok := t.primary.Load(h)
	if ok && e.seq == seq {
		return e, true
	}
	if t.collisions.Load() == 0 {
		return entry[V]{}, false
	}
	k, ok := t.collidedKeyOf(seq)
	if !ok {
		return entry[V]{}, false
	}
	return t.collided.Load().Load(k)
}

// collidedKeyOf finds the key written with seq in the collided map. It
// walks that map, which holds only keys whose 64-bit hash collided: in
// practice none.
func (t *table[V]) collidedKeyOf(seq uint64) (Key, bool) {
	var found Key
	ok := false
	t.collided.Load().Range(func(k Key, e entry[V]) bool {
		if e.seq == seq {
			found, ok = k, true
			return false
		}
		return true
	})
	return found, ok
}

// each calls f for every entry until f returns false. Weakly consistent,
// like xsync's Range; f runs outside every lock.
func (t *table[V]) each(f func(entry[V]) bool) {
	more := true
	t.primary.Range(func(_ uint64, e entry[V]) bool {
		more = f(e)
		return more
	})
	if more && t.collisions.Load() > 0 {
		t.collided.Load().Range(func(_ Key, e entry[V]) bool { return f(e) })
	}
}
