// Package wheel is a segmented expiry wheel: an index of writes by expiry
// time in which adding a write locks one segment for a few nanoseconds,
// finding what is due costs what is due, and the write that expires
// soonest can be taken for capacity eviction.
//
// Time, in nanoseconds since an epoch, is cut into segments of 2^shift ns;
// segment index i holds the writes that expire in [i<<shift, (i+1)<<shift).
// A ring holds Slots consecutive segments starting at base (after the
// timing wheels of Varghese and Lauck); writes that expire beyond the
// ring's horizon wait in an overflow heap and move into the ring as base
// advances. Inside a segment, nodes are kept in exact expiry order (see
// segment), so no segment ever has to be scanned whole: a segment before
// the one holding now is due entirely, and the one holding now is consumed
// from its front until the first node still alive, whatever the mix of
// TTLs in it.
//
// Nodes are never removed when their entry is overwritten or deleted: the
// owner tells stale nodes from current ones by Seq when it meets them, and
// compacts the wheel (CompactSlot, CompactOverflow) when stale nodes pile
// up.
//
// Concurrency: Add may be called from any goroutine at any time. Every
// other method that changes the wheel (PopDue, PopEarliest, the Compact
// methods) must be called by one goroutine at a time, the owner's
// maintenance-lock holder: they are the only ones that take nodes out, so
// a node seen at a segment's front stays there until its taker returns.
package wheel

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Slots is the number of segments in the ring; a power of two.
const Slots = 256

// Wheel is one shard's expiry index. The zero Wheel is not usable; create
// it with New.
type Wheel struct {
	shift uint // log2 of the segment width in ns; set by New
	// base is the lowest segment index the ring holds. Written only by the
	// maintenance holder, after the segment below it was emptied and
	// re-indexed; writers read it to place a node and re-check the index
	// under the segment's lock.
	base atomic.Int64
	// cursor is a lower bound for PopEarliest's search: ring segments below
	// it are empty. Lowered by Add under the segment's lock, raised by
	// PopEarliest under the same lock, so a segment is never skipped while
	// it holds nodes.
	cursor atomic.Int64
	// ring is allocated by the first Add that needs it, so a wheel that
	// holds nothing costs a few words (about 18 KiB once it holds nodes).
	// Until it exists, base is moved only under ringMu, so the ring starts
	// at the base its allocator read.
	ring   atomic.Pointer[[Slots]segment]
	ringMu sync.Mutex

	overflowMu sync.Mutex
	overflow   nodeHeap // writes beyond the ring's horizon; guarded by overflowMu
	// overflowLen is len(overflow), stored under overflowMu after every
	// change, so that PopEarliest and rebucket see an empty overflow
	// without taking its lock. While every write expires within the
	// ring's horizon (the default TTL, with sweeps moving the ring along)
	// nothing overflows, and every capacity eviction used to lock it.
	overflowLen atomic.Int64

	spare blockPool // the queues' emptied blocks, for the next to fill
}

// New returns a wheel of segments 2^shift ns wide whose ring starts at the
// segment holding now.
func New(shift uint, now int64) *Wheel {
	w := &Wheel{shift: shift}
	base := w.segmentOf(now)
	w.base.Store(base)
	w.cursor.Store(base)
	return w
}

// segments returns the ring, allocating it the first time.
func (w *Wheel) segments() *[Slots]segment {
	if r := w.ring.Load(); r != nil {
		return r
	}
	w.ringMu.Lock()
	defer w.ringMu.Unlock()
	if r := w.ring.Load(); r != nil {
		return r
	}
	r := new([Slots]segment)
	base := w.base.Load()
	for i := range Slots {
		idx := base + int64(i)
		r[idx&(Slots-1)].index = idx
	}
	w.ring.Store(r)
	return r
}

// advanceEmpty moves base to target while the ring does not exist, and
// reports whether it did; with a ring it does nothing.
func (w *Wheel) advanceEmpty(target int64) bool {
	if w.ring.Load() != nil {
		return false
	}
	w.ringMu.Lock()
	defer w.ringMu.Unlock()
	if w.ring.Load() != nil {
		return false
	}
	if target > w.base.Load() {
		w.base.Store(target)
		w.cursor.Store(target)
	}
	return true
}

func (w *Wheel) segmentOf(t int64) int64 { return t >> w.shift }

// Add files n under the segment of its expiry: one segment lock, or the
// overflow heap's lock for far-future expiries. Safe for concurrent use.
// A node already due is filed with the oldest segment.
func (w *Wheel) Add(n Node) {
	want := w.segmentOf(n.ExpiresAt)
	for {
		base := w.base.Load()
		idx := max(want, base)
		if idx >= base+Slots {
			w.overflowMu.Lock()
			w.overflow.push(n)
			w.overflowLen.Store(int64(len(w.overflow)))
			w.overflowMu.Unlock()
			return
		}
		s := &w.segments()[idx&(Slots-1)]
		s.mu.Lock()
		if s.index == idx {
			s.push(n, &w.spare)
			w.lowerCursor(idx)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		// The slot moved on: base advanced past idx after it was read. The
		// taker stores the new base right after re-indexing the slot, so
		// this retries only for the few instructions in between.
		runtime.Gosched()
	}
}

// lowerCursor makes sure PopEarliest's search starts at or before idx.
// Caller holds the lock of segment idx.
func (w *Wheel) lowerCursor(idx int64) {
	for {
		c := w.cursor.Load()
		if idx >= c || w.cursor.CompareAndSwap(c, idx) {
			return
		}
	}
}

// PopDue takes up to limit nodes whose ExpiresAt is at or before now,
// appends them to buf and returns it. It empties the segments before now's
// one by one (their nodes are all due), moving base past each, then moves
// overflow writes that came within the horizon into the ring, then takes
// the due front of now's segment. Its cost grows with the nodes it takes
// and the segments it passes, never with the nodes that stay: however far
// the clock jumped, it passes at most a ring of segments before base jumps
// to now's, unless nodes are added behind it meanwhile. Called by the
// maintenance holder only; fewer than limit nodes returned means nothing
// more is due.
func (w *Wheel) PopDue(now int64, limit int, buf []Node) []Node {
	target := w.segmentOf(now)
	if w.advanceEmpty(target) {
		w.rebucket(limit - len(buf)) // may allocate the ring
	}
	ring := w.ring.Load()
	lap := w.base.Load() // where the current lap over the ring started
	for ring != nil && len(buf) < limit {
		idx := w.base.Load()
		if idx >= target {
			break
		}
		// More than a ring behind (the clock jumped, or nothing was taken
		// for a while), every segment is due: once a lap finds the ring
		// empty, base jumps to target instead of walking there.
		if target-idx >= Slots && (idx == lap || idx-lap >= Slots) {
			if w.jumpEmpty(ring, target) {
				break
			}
			lap = idx
		}
		s := &ring[idx&(Slots-1)]
		s.mu.Lock()
		for s.len() > 0 && len(buf) < limit {
			buf = append(buf, s.pop(&w.spare))
		}
		emptied := s.len() == 0
		if emptied {
			// The slot now holds the segment one ring ahead, the only
			// index of its residue in the window [idx+1, idx+1+Slots), so
			// every slot holds an index of the window wherever this pass
			// stops.
			s.index = idx + Slots
		}
		s.mu.Unlock()
		if emptied {
			w.base.Store(idx + 1)
		}
	}
	if len(buf) < limit {
		w.rebucket(limit - len(buf))
	}
	ring = w.ring.Load()
	if ring == nil {
		return buf
	}
	idx := max(target, w.base.Load())
	s := &ring[idx&(Slots-1)]
	s.mu.Lock()
	if s.index == idx {
		for len(buf) < limit && s.len() > 0 {
			if n, _ := s.first(); n.ExpiresAt > now {
				break
			}
			buf = append(buf, s.pop(&w.spare))
		}
	}
	s.mu.Unlock()
	return buf
}

// jumpEmpty moves base to target and re-indexes the ring for the window
// starting there, if no segment holds a node; it reports whether it did.
// It holds every segment's lock meanwhile, so no Add lands in a segment
// while the ring moves under it: an Add waiting on a lock then finds the
// index changed and places its node again from the new base. Cost: Slots
// lock and unlock pairs; PopDue calls it at most once a lap.
func (w *Wheel) jumpEmpty(ring *[Slots]segment, target int64) bool {
	for i := range ring {
		ring[i].mu.Lock()
	}
	defer func() {
		for i := range ring {
			ring[i].mu.Unlock()
		}
	}()
	for i := range ring {
		if ring[i].len() > 0 {
			return false
		}
	}
	for i := range int64(Slots) {
		idx := target + i
		ring[idx&(Slots-1)].index = idx
	}
	w.cursor.Store(target)
	w.base.Store(target)
	return true
}

// rebucket moves up to limit overflow writes that now fall inside the ring
// into it. Each write moves once in its life.
func (w *Wheel) rebucket(limit int) {
	// Compared as segment indices, like Add does: a time horizon,
	// (base+Slots)<<shift, would overflow near the end of time.
	end := w.base.Load() + Slots
	for range limit {
		if w.overflowLen.Load() == 0 {
			return
		}
		w.overflowMu.Lock()
		if len(w.overflow) == 0 || w.segmentOf(w.overflow[0].ExpiresAt) >= end {
			w.overflowMu.Unlock()
			return
		}
		n := w.overflow.pop()
		w.overflowLen.Store(int64(len(w.overflow)))
		w.overflowMu.Unlock()
		w.Add(n)
	}
}

// PopEarliest takes the node of the write that expires soonest, oldest
// write first among equal expiries, for capacity eviction. Overflow writes
// are considered too, so a write never hides there past its turn. Called
// by the maintenance holder only.
func (w *Wheel) PopEarliest() (Node, bool) {
	base := w.base.Load()
	expect := w.cursor.Load()
	ring := w.ring.Load()
	for idx := max(expect, base); ring != nil && idx < base+Slots; idx++ {
		s := &ring[idx&(Slots-1)]
		s.mu.Lock()
		if s.index == idx && s.len() > 0 {
			if w.overflowLen.Load() == 0 {
				// Nothing overflows, so the front of this segment is the
				// earliest write: one lock instead of three. An overflow
				// write added meanwhile lies beyond the ring's horizon,
				// after this segment.
				n := s.pop(&w.spare)
				s.mu.Unlock()
				return n, true
			}
			n, _ := s.first()
			s.mu.Unlock()
			if o, ok := w.popOverflowBefore(n); ok {
				return o, true
			}
			s.mu.Lock()
			n = s.pop(&w.spare) // a writer may have pushed an earlier node: take that
			s.mu.Unlock()
			return n, true
		}
		// Empty: move the cursor past it while holding its lock, unless a
		// writer lowered the cursor since it was read.
		if expect <= idx && w.cursor.CompareAndSwap(expect, idx+1) {
			expect = idx + 1
		}
		s.mu.Unlock()
	}
	return w.popOverflowBefore(Node{ExpiresAt: math.MaxInt64, Seq: math.MaxUint64})
}

// popOverflowBefore takes the first overflow write if it comes before n.
func (w *Wheel) popOverflowBefore(n Node) (Node, bool) {
	if w.overflowLen.Load() == 0 {
		return Node{}, false
	}
	w.overflowMu.Lock()
	defer w.overflowMu.Unlock()
	if len(w.overflow) == 0 || !w.overflow[0].before(n) && w.overflow[0] != n {
		return Node{}, false
	}
	o := w.overflow.pop()
	w.overflowLen.Store(int64(len(w.overflow)))
	return o, true
}

// CompactSlot drops the nodes of ring slot i (0 ≤ i < Slots) that keep
// rejects. keep runs without the segment's lock, so writers to the segment
// wait only for the detach and the restore. Called by the maintenance
// holder only. Cost: one keep call per node of the slot.
func (w *Wheel) CompactSlot(i int, keep func(Node) bool) {
	ring := w.ring.Load()
	if ring == nil {
		return
	}
	s := &ring[i]
	s.mu.Lock()
	if s.len() == 0 {
		s.mu.Unlock()
		return
	}
	run, heap := s.detach()
	s.mu.Unlock()
	run.filter(keep, &w.spare)
	heap.filter(keep)
	s.mu.Lock()
	s.restore(run, heap, &w.spare)
	s.mu.Unlock()
}

// CompactOverflow drops the overflow writes keep rejects. keep runs under
// the overflow lock, which only far-future writes take. Called by the
// maintenance holder only.
func (w *Wheel) CompactOverflow(keep func(Node) bool) {
	w.overflowMu.Lock()
	w.overflow.filter(keep)
	w.overflowLen.Store(int64(len(w.overflow)))
	w.overflowMu.Unlock()
}

// Len counts the nodes held, stale ones included. It locks each segment in
// turn: for tests and diagnostics, not for hot paths.
func (w *Wheel) Len() int {
	n := 0
	ring := w.ring.Load()
	for i := 0; ring != nil && i < Slots; i++ {
		s := &ring[i]
		s.mu.Lock()
		n += s.len()
		s.mu.Unlock()
	}
	w.overflowMu.Lock()
	n += len(w.overflow)
	w.overflowMu.Unlock()
	return n
}
