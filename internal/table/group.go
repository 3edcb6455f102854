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
type group[K comparable, V any] struct {
	byKey *xsync.MapOf[K, Slot[K, V]] // written under mu, read lock-free

	mu    sync.Mutex
	bySeq map[uint64]K // the current write's seq of every key; guarded by mu
	dead  bool         // dissolved; guarded by mu
}

func newGroup[K comparable, V any](slots ...Slot[K, V]) *group[K, V] {
	g := &group[K, V]{byKey: xsync.NewMapOf[K, Slot[K, V]](), bySeq: make(map[uint64]K, len(slots))}
	for _, s := range slots {
		g.byKey.Store(s.Key, s)
		g.bySeq[s.Seq] = s.Key
	}
	return g
}

func (g *group[K, V]) load(k K) (Slot[K, V], bool) { return g.byKey.Load(k) }

func (g *group[K, V]) loadSeq(seq uint64) (Slot[K, V], bool) {
	g.mu.Lock()
	k, ok := g.bySeq[seq]
	g.mu.Unlock()
	if !ok {
		return Slot[K, V]{}, false
	}
	s, ok := g.byKey.Load(k)
	if !ok || s.Seq != seq {
		return Slot[K, V]{}, false
	}
	return s, true
}

// store stores s in the group; done is false if the group had dissolved.
func (g *group[K, V]) store(t *Table[K, V], s Slot[K, V]) (old Slot[K, V], replaced, done bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return Slot[K, V]{}, false, false
	}
	old, replaced = g.byKey.Load(s.Key)
	if replaced {
		delete(g.bySeq, old.Seq)
	} else {
		t.count.Add(1)
		t.collisions.Add(1)
	}
	g.bySeq[s.Seq] = s.Key
	g.byKey.Store(s.Key, s)
	return old, replaced, true
}

// remove removes k from the group if accept accepts its slot, and
// dissolves the group once it is empty.
func (g *group[K, V]) remove(t *Table[K, V], h uint64, k K, accept func(Slot[K, V]) bool) (Slot[K, V], bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return Slot[K, V]{}, false // dissolved: it held nothing
	}
	return g.removeLocked(t, h, k, accept)
}

// removeSeq removes the slot written by seq, if it is still its key's, in
// one hold of the lock: the index names the key, the map gives the slot.
func (g *group[K, V]) removeSeq(t *Table[K, V], h, seq uint64, accept func(Slot[K, V]) bool) (Slot[K, V], bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k, ok := g.bySeq[seq]
	if g.dead || !ok {
		return Slot[K, V]{}, false
	}
	return g.removeLocked(t, h, k, func(s Slot[K, V]) bool { return s.Seq == seq && accept(s) })
}

// removeLocked is remove's work; caller holds mu and has checked dead.
func (g *group[K, V]) removeLocked(t *Table[K, V], h uint64, k K, accept func(Slot[K, V]) bool) (Slot[K, V], bool) {
	s, ok := g.byKey.Load(k)
	if !ok || !accept(s) {
		return Slot[K, V]{}, false
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
func (g *group[K, V]) dissolve(t *Table[K, V], h uint64) {
	g.dead = true
	t.primary.Compute(h, func(cur Slot[K, V], loaded bool) (Slot[K, V], bool) {
		if !loaded || !cur.isMarker() {
			return cur, !loaded
		}
		t.groupMap().Delete(h) // before the marker: a reader that meets it finds no group and no key
		return cur, true
	})
}
