package table

import (
	"sync"

	"github.com/puzpuzpuz/xsync/v3"
)

// group holds the keys that share one hash, once more than one key has.
// Readers load from byKey without a lock; every write of the group's keys
// runs under mu, which also guards the index by seq. A group that becomes
// empty dissolves: its marker leaves the primary map and it is marked
// dead, so a writer that found it before it went starts again.
type group[K comparable, N Name[K], V any] struct {
	byKey *xsync.MapOf[K, Slot[N, V]] // by the names' keys; written under mu, read lock-free

	mu    sync.Mutex
	bySeq map[uint64]K // the current write's seq of every key; guarded by mu
	dead  bool         // dissolved; guarded by mu
}

func newGroup[K comparable, N Name[K], V any](slots ...Slot[N, V]) *group[K, N, V] {
	g := &group[K, N, V]{byKey: xsync.NewMapOf[K, Slot[N, V]](), bySeq: make(map[uint64]K, len(slots))}
	for _, s := range slots {
		k := s.Name.Key()
		g.byKey.Store(k, s)
		g.bySeq[s.Seq] = k
	}
	return g
}

func (g *group[K, N, V]) load(k K) (Slot[N, V], bool) { return g.byKey.Load(k) }

func (g *group[K, N, V]) loadSeq(seq uint64) (Slot[N, V], bool) {
	g.mu.Lock()
	k, ok := g.bySeq[seq]
	g.mu.Unlock()
	if !ok {
		return Slot[N, V]{}, false
	}
	s, ok := g.byKey.Load(k)
	if !ok || s.Seq != seq {
		return Slot[N, V]{}, false
	}
	return s, true
}

// store stores s, the slot of k, in the group; done is false if the group
// had dissolved.
func (g *group[K, N, V]) store(t *Table[K, N, V], k K, s Slot[N, V]) (old Slot[N, V], replaced, done bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return Slot[N, V]{}, false, false
	}
	old, replaced = g.byKey.Load(k)
	if replaced {
		delete(g.bySeq, old.Seq)
	} else {
		t.count.Add(1)
		t.collisions.Add(1)
	}
	g.bySeq[s.Seq] = k
	g.byKey.Store(k, s)
	return old, replaced, true
}

// remove removes k from the group if accept accepts its slot, and
// dissolves the group once it is empty.
func (g *group[K, N, V]) remove(t *Table[K, N, V], h uint64, k K, accept func(Slot[N, V]) bool) (Slot[N, V], bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return Slot[N, V]{}, false // dissolved: it held nothing
	}
	return g.removeLocked(t, h, k, accept)
}

// removeSeq removes the slot written by seq, if it is still its key's, in
// one hold of the lock: the index names the key, the map gives the slot.
func (g *group[K, N, V]) removeSeq(t *Table[K, N, V], h, seq uint64, accept func(Slot[N, V]) bool) (Slot[N, V], bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k, ok := g.bySeq[seq]
	if g.dead || !ok {
		return Slot[N, V]{}, false
	}
	return g.removeLocked(t, h, k, func(s Slot[N, V]) bool { return s.Seq == seq && accept(s) })
}

// removeLocked is remove's work; caller holds mu and has checked dead.
func (g *group[K, N, V]) removeLocked(t *Table[K, N, V], h uint64, k K, accept func(Slot[N, V]) bool) (Slot[N, V], bool) {
	s, ok := g.byKey.Load(k)
	if !ok || !accept(s) {
		return Slot[N, V]{}, false
	}
	g.byKey.Delete(k)
	delete(g.bySeq, s.Seq)
	t.count.Add(-1)
	t.collisions.Add(-1)
	if len(g.bySeq) == 0 {
		g.dissolve(t, h)
	}
	return s, true
}

// dissolve takes the empty group out of the groups map and its marker out
// of the primary map, both under the primary bucket lock of h: a new group
// for h forms only under that lock, so the one deleted is this one. Caller
// holds mu; the primary bucket lock is taken inside it, never the other
// way round.
func (g *group[K, N, V]) dissolve(t *Table[K, N, V], h uint64) {
	g.dead = true
	t.primary.Compute(h, func(cur Slot[N, V], loaded bool) (Slot[N, V], bool) {
		if !loaded || !cur.isMarker() {
			return cur, !loaded
		}
		t.groupMap().Delete(h) // before the marker: a reader that meets it finds no group and no key
		return cur, true
	})
}
