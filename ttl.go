package routecache

import (
	"container/heap"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The segmented expiry wheel.
//
// Time, in nanoseconds since the cache's epoch, is cut into segments of
// 2^shift ns; segment index i holds the writes that expire in
// [i<<shift, (i+1)<<shift). The ring holds wheelSlots consecutive segments
// starting at base; writes that expire beyond the ring's horizon wait in an
// overflow heap and are moved into the ring as base advances. A write appends
// a node (hash, seq) to the segment of its expiry under that segment's mutex,
// held for a few nanoseconds; nothing wider than one segment is locked.
//
// Nodes are never removed when their entry is overwritten or deleted: a node
// whose seq no longer matches the map is stale and is dropped when the wheel
// next meets it (sweep, eviction or compaction). The shard counts stale nodes
// and compacts the wheel when they outnumber live entries, so memory stays
// proportional to live entries however often one key is rewritten.
//
// Sweeping to a time t drains every segment whose index is below t's
// segment, and scans t's own segment for the entries already expired. Its
// cost grows with the nodes it meets and the segments it passes (at most
// wheelSlots per call), never with the entries held elsewhere.

const (
	// wheelSlots is the number of segments in the ring; a power of two.
	wheelSlots = 256
	// segmentsPerTTL sets the segment width: the default TTL is cut into
	// about this many segments, so the ring's horizon is at least
	// wheelSlots/segmentsPerTTL = 4 default TTLs.
	segmentsPerTTL = 64
	// minSegmentShift bounds the segment width from below (65.5 µs), so a
	// tiny TTL does not make the ring's horizon tiny too.
	minSegmentShift = 16
	// firstBlockNodes and maxBlockNodes bound the node blocks a segment
	// allocates: a sparse segment costs 256 bytes, a full one grows in
	// blocks of up to 16 KiB, so a Set pays for a block allocation at most
	// once every 16 appends and, in a busy segment, once every 1024.
	firstBlockNodes = 16
	maxBlockNodes   = 1024
)

// node is the wheel's record of one write: enough to find the entry again
// (hash) and to tell whether it is still the entry's current write (seq).
// 16 bytes.
type node struct {
	hash uint64
	seq  uint64
}

// segmentShift picks the segment width for a default TTL: the largest power
// of two not above ttl/segmentsPerTTL, and at least 2^minSegmentShift ns.
func segmentShift(ttl time.Duration) uint {
	width := uint64(ttl) / segmentsPerTTL
	if width < 1<<minSegmentShift {
		return minSegmentShift
	}
	return uint(bits.Len64(width) - 1)
}

// segment holds the nodes of the writes expiring in one time segment, in
// append order. All fields are guarded by mu.
type segment struct {
	mu     sync.Mutex
	index  int64    // the segment index this ring slot holds now
	blocks [][]node // nodes in append order; only the last block has spare capacity
	// head and count are 32-bit so the segment fits a cache line; 2^31
	// nodes in one segment would be 32 GiB of nodes alone.
	head  int32 // nodes at the front of blocks[0] already taken
	count int32 // nodes held
	// minExpiry is the lowest expiresAt appended since the last scan: a
	// scan before it finds nothing due.
	minExpiry int64
	// lastExpiry is the highest expiresAt appended, or unsortedExpiry once
	// an append came with a lower one than an earlier append. While the
	// nodes are in expiry order, a scan can stop at the first live one.
	lastExpiry int64
}

// unsortedExpiry marks a segment whose appends did not come in expiry
// order. With one TTL and a clock that does not go backwards they do;
// per-entry TTLs and racing writers may interleave.
const unsortedExpiry = math.MinInt64

// emptyExpiry is lastExpiry of an empty segment: below every expiry.
const emptyExpiry = math.MinInt64 + 1

func (s *segment) reset() {
	s.blocks, s.head, s.count = nil, 0, 0
	s.minExpiry, s.lastExpiry = math.MaxInt64, emptyExpiry
}

// appendNode adds n at the back. Caller holds mu.
func (s *segment) appendNode(n node, expiresAt int64) {
	last := len(s.blocks) - 1
	if last < 0 || len(s.blocks[last]) == cap(s.blocks[last]) {
		size := firstBlockNodes
		if last >= 0 {
			size = min(2*cap(s.blocks[last]), maxBlockNodes)
		}
		s.blocks = append(s.blocks, make([]node, 0, size))
		last++
	}
	s.blocks[last] = append(s.blocks[last], n)
	s.count++
	s.minExpiry = min(s.minExpiry, expiresAt)
	s.lastExpiry = followedBy(s.lastExpiry, expiresAt)
}

// followedBy is the lastExpiry of a run whose lastExpiry was last, after a
// node expiring at next is added at its end.
func followedBy(last, next int64) int64 {
	if last == unsortedExpiry || next < last {
		return unsortedExpiry
	}
	return next
}

// front returns the oldest node. Caller holds mu and has checked count > 0.
func (s *segment) front() node { return s.blocks[0][s.head] }

// popFront takes the oldest node. Caller holds mu and has checked count > 0.
func (s *segment) popFront() node {
	n := s.blocks[0][s.head]
	s.head++
	s.count--
	if int(s.head) == len(s.blocks[0]) {
		s.blocks[0] = nil // drop the reference so the block can be collected
		s.blocks = s.blocks[1:]
		s.head = 0
	}
	if s.count == 0 {
		s.reset()
	}
	return n
}

// detach takes every node out of the segment, leaving it empty. Caller holds
// mu.
func (s *segment) detach() nodeList {
	l := nodeList{blocks: s.blocks, head: int(s.head)}
	s.reset()
	return l
}

// prepend puts kept back in front of whatever was appended since the
// segment was detached, so append order is preserved. The segment stays in
// expiry order only if nothing was appended meanwhile and kept was. Caller
// holds mu.
func (s *segment) prepend(kept nodeList, keptMin, keptLast int64) {
	n := kept.len()
	if n == 0 {
		return
	}
	if s.count == 0 {
		s.lastExpiry = keptLast
	} else {
		s.lastExpiry = unsortedExpiry
	}
	if s.head > 0 {
		s.blocks[0] = s.blocks[0][s.head:]
		s.head = 0
	}
	s.blocks = append(kept.trimmed(), s.blocks...)
	s.count += int32(n)
	s.minExpiry = min(s.minExpiry, keptMin)
}

// nodeList is a detached run of nodes, owned by whoever detached it.
type nodeList struct {
	blocks [][]node
	head   int
}

func (l nodeList) len() int {
	n := -l.head
	for _, b := range l.blocks {
		n += len(b)
	}
	return n
}

func (l nodeList) each(visit func(node)) {
	for i, b := range l.blocks {
		if i == 0 {
			b = b[l.head:]
		}
		for _, n := range b {
			visit(n)
		}
	}
}

// trimmed returns the blocks with the head offset cut away.
func (l nodeList) trimmed() [][]node {
	if l.head > 0 {
		l.blocks[0] = l.blocks[0][l.head:]
	}
	return l.blocks
}

// filter keeps the nodes keep accepts, in order, writing them back over the
// list itself: the write position never passes the read position, so no
// block is allocated. It returns the kept list with the lowest expiry keep
// reported and the lastExpiry of the kept run.
func (l nodeList) filter(keep func(node) (bool, int64)) (kept nodeList, lowest, last int64) {
	blocks := l.trimmed()
	lowest, last = math.MaxInt64, emptyExpiry
	wb, wi := 0, 0 // where the next kept node goes
	for rb := range blocks {
		for _, n := range blocks[rb] {
			ok, expiresAt := keep(n)
			if !ok {
				continue
			}
			if wi == len(blocks[wb]) {
				wb, wi = wb+1, 0
			}
			blocks[wb][wi] = n
			wi++
			lowest = min(lowest, expiresAt)
			last = followedBy(last, expiresAt)
		}
	}
	if wi == 0 {
		return nodeList{}, lowest, last
	}
	blocks[wb] = blocks[wb][:wi]
	clear(blocks[wb+1:])
	return nodeList{blocks: blocks[:wb+1]}, lowest, last
}

// overflowItem is a write that expires beyond the ring's horizon.
type overflowItem struct {
	expiresAt int64
	node
}

// overflowHeap orders far-future writes by expiry, then by write order. It
// is rarely touched: only writes with a TTL above about four default TTLs
// land here.
type overflowHeap []overflowItem

func (h overflowHeap) Len() int { return len(h) }
func (h overflowHeap) Less(i, j int) bool {
	if h[i].expiresAt != h[j].expiresAt {
		return h[i].expiresAt < h[j].expiresAt
	}
	return h[i].seq < h[j].seq
}
func (h overflowHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *overflowHeap) Push(x any)   { *h = append(*h, x.(overflowItem)) }
func (h *overflowHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// wheel is one shard's expiry index. add may be called concurrently from
// any goroutine; every other method is called only by the holder of the
// shard's maintenance lock.
type wheel struct {
	shift uint // log2 of the segment width in nanoseconds; set at construction
	// base is the lowest segment index the ring holds. Written only by the
	// maintenance-lock holder, after the segment below it was detached;
	// writers read it to place a node and re-check under the segment lock.
	base atomic.Int64
	// cursor is a lower bound for eviction's search: ring segments below it
	// are empty. Lowered by add under the segment's lock, raised by eviction
	// under the same lock, so a segment is never skipped while it holds nodes.
	cursor atomic.Int64
	ring   [wheelSlots]segment

	overflowMu sync.Mutex
	overflow   overflowHeap // guarded by overflowMu
}

func newWheel(shift uint, now int64) *wheel {
	w := &wheel{shift: shift}
	base := now >> shift
	w.base.Store(base)
	w.cursor.Store(base)
	for i := range w.ring {
		idx := base + int64(i)
		s := &w.ring[idx&(wheelSlots-1)]
		s.index = idx
		s.reset()
	}
	return w
}

func (w *wheel) segmentOf(t int64) int64 { return t >> w.shift }

// add files n under the segment of expiresAt. Safe for concurrent use; it
// locks one segment (or the overflow heap for far-future expiries).
func (w *wheel) add(n node, expiresAt int64) {
	want := w.segmentOf(expiresAt)
	for {
		base := w.base.Load()
		idx := max(want, base) // already due: file it with the oldest segment
		if idx >= base+wheelSlots {
			w.overflowMu.Lock()
			heap.Push(&w.overflow, overflowItem{expiresAt: expiresAt, node: n})
			w.overflowMu.Unlock()
			return
		}
		s := &w.ring[idx&(wheelSlots-1)]
		s.mu.Lock()
		if s.index == idx {
			s.appendNode(n, expiresAt)
			w.lowerCursor(idx)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		// The slot moved on: base advanced past idx after we read it. The
		// sweeper stores the new base right after detaching the slot, so
		// this retries at most for the few instructions in between.
		runtime.Gosched()
	}
}

// lowerCursor makes sure eviction's search starts at or before idx. Caller
// holds the lock of segment idx.
func (w *wheel) lowerCursor(idx int64) {
	for {
		c := w.cursor.Load()
		if idx >= c || w.cursor.CompareAndSwap(c, idx) {
			return
		}
	}
}

// advance moves base up to the segment of now, detaching every segment it
// passes and handing each of their nodes to due. It passes at most
// wheelSlots segments, however far the clock jumped, and then moves the
// overflow writes that came within the horizon into the ring.
func (w *wheel) advance(now int64, due func(node)) {
	target := w.segmentOf(now)
	base := w.base.Load()
	steps := min(target-base, wheelSlots)
	for i := int64(0); i < steps; i++ {
		idx := base + i
		s := &w.ring[idx&(wheelSlots-1)]
		s.mu.Lock()
		l := s.detach()
		next := idx + wheelSlots
		if next < target { // the clock jumped more than a whole ring
			next += (target - next + wheelSlots - 1) / wheelSlots * wheelSlots
		}
		s.index = next
		s.mu.Unlock()
		w.base.Store(min(idx+1, target))
		l.each(due)
	}
	if target > base {
		w.base.Store(target)
	}
	w.rebucket()
}

// rebucket moves overflow writes that now fall inside the ring into it.
func (w *wheel) rebucket() {
	limit := (w.base.Load() + wheelSlots) << w.shift
	w.overflowMu.Lock()
	var moved []overflowItem
	for len(w.overflow) > 0 && w.overflow[0].expiresAt < limit {
		moved = append(moved, heap.Pop(&w.overflow).(overflowItem))
	}
	w.overflowMu.Unlock()
	for _, it := range moved {
		w.add(it.node, it.expiresAt)
	}
}

// scanCurrent offers the nodes of the segment holding now to check, unless
// the segment's earliest expiry is still ahead. check reports whether the
// node stays and, if so, its entry's expiry. While the segment's nodes are
// in expiry order the scan stops at the first node that stays, so its cost
// is the nodes it removes plus one; otherwise it checks every node.
func (w *wheel) scanCurrent(now int64, check func(node) (keep bool, expiresAt int64)) {
	idx := max(w.segmentOf(now), w.base.Load())
	s := &w.ring[idx&(wheelSlots-1)]
	s.mu.Lock()
	if s.index != idx || s.count == 0 || s.minExpiry > now {
		s.mu.Unlock()
		return
	}
	if s.lastExpiry == unsortedExpiry {
		l := s.detach()
		s.mu.Unlock()
		w.refile(s, l, check)
		return
	}
	// Only the maintenance-lock holder (the caller) takes nodes from the
	// front, so the front stays put while the lock is released to check it;
	// writers only append at the back.
	s.minExpiry = math.MaxInt64 // appends during the scan lower it again
	for s.count > 0 {
		n := s.front()
		s.mu.Unlock()
		keep, expiresAt := check(n)
		s.mu.Lock()
		if keep {
			s.minExpiry = min(s.minExpiry, expiresAt)
			break
		}
		s.popFront()
	}
	s.mu.Unlock()
}

// refile runs check over a detached list and puts the kept nodes back in
// front of the segment, in their original order, reusing their blocks.
func (w *wheel) refile(s *segment, l nodeList, check func(node) (bool, int64)) {
	kept, lowest, last := l.filter(check)
	s.mu.Lock()
	s.prepend(kept, lowest, last)
	s.mu.Unlock()
}

// compact drops every node check rejects, across the whole ring and the
// overflow heap. Its cost is one check per node held.
func (w *wheel) compact(check func(node) (keep bool, expiresAt int64)) {
	for i := range w.ring {
		s := &w.ring[i]
		s.mu.Lock()
		if s.count == 0 {
			s.mu.Unlock()
			continue
		}
		l := s.detach()
		s.mu.Unlock()
		w.refile(s, l, check)
	}
	w.overflowMu.Lock()
	kept := w.overflow[:0]
	for _, it := range w.overflow {
		if keep, _ := check(it.node); keep {
			kept = append(kept, it)
		}
	}
	clear(w.overflow[len(kept):])
	w.overflow = kept
	heap.Init(&w.overflow)
	w.overflowMu.Unlock()
}

// popEarliest takes the node of the write that expires soonest, to segment
// granularity, oldest write first within a segment; overflow writes come
// after every ring write, in expiry order.
func (w *wheel) popEarliest() (node, bool) {
	base := w.base.Load()
	expect := w.cursor.Load()
	for idx := max(expect, base); idx < base+wheelSlots; idx++ {
		s := &w.ring[idx&(wheelSlots-1)]
		s.mu.Lock()
		if s.count > 0 {
			n := s.popFront()
			s.mu.Unlock()
			return n, true
		}
		// Empty: move the cursor past it while holding its lock, unless a
		// writer lowered the cursor since we read it.
		if expect <= idx && w.cursor.CompareAndSwap(expect, idx+1) {
			expect = idx + 1
		}
		s.mu.Unlock()
	}
	w.overflowMu.Lock()
	defer w.overflowMu.Unlock()
	if len(w.overflow) == 0 {
		return node{}, false
	}
	return heap.Pop(&w.overflow).(overflowItem).node, true
}

// nodes counts the nodes held, stale ones included. For tests and stats; it
// locks each segment in turn.
func (w *wheel) nodes() int {
	n := 0
	for i := range w.ring {
		s := &w.ring[i]
		s.mu.Lock()
		n += int(s.count)
		s.mu.Unlock()
	}
	w.overflowMu.Lock()
	n += len(w.overflow)
	w.overflowMu.Unlock()
	return n
}
