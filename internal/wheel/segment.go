package wheel

import "sync"

// segment holds the nodes of the writes that expire in one span of time.
// Nodes that arrive in the wheel's order, as they do when every write uses
// the same TTL, go to run, a FIFO that costs O(1) a push and a pop; the
// others go to a heap. The first node of the segment is the first of the
// two fronts, so the segment is always consumed in exact order of expiry,
// and a scan for due nodes stops at the first live one whatever the mix of
// TTLs. All fields are guarded by mu.
type segment struct {
	mu    sync.Mutex
	index int64  // the segment index this ring slot holds now
	run   []Node // run[head:] is in the wheel's order
	head  int
	heap  nodeHeap
}

// keptCapacity is the largest node buffer an emptied segment keeps for
// reuse; larger ones are released so memory follows live entries.
const keptCapacity = 256

func (s *segment) len() int { return len(s.run) - s.head + len(s.heap) }

func (s *segment) push(n Node) {
	if r := s.run[s.head:]; len(r) > 0 && n.before(r[len(r)-1]) {
		s.heap.push(n)
		return
	}
	if len(s.run) == cap(s.run) && s.head > 0 && s.head >= len(s.run)/2 {
		// Reuse the consumed front instead of growing: amortised O(1),
		// since at least half the slice is moved over each time.
		kept := copy(s.run, s.run[s.head:])
		clear(s.run[kept:])
		s.run, s.head = s.run[:kept], 0
	}
	s.run = append(s.run, n)
}

// first returns the segment's first node in the wheel's order, and whether
// it comes from the heap. The segment must not be empty.
func (s *segment) first() (Node, bool) {
	switch {
	case s.head == len(s.run):
		return s.heap[0], true
	case len(s.heap) == 0:
		return s.run[s.head], false
	case s.heap[0].before(s.run[s.head]):
		return s.heap[0], true
	}
	return s.run[s.head], false
}

// pop removes and returns the first node. The segment must not be empty.
func (s *segment) pop() Node {
	n, fromHeap := s.first()
	if fromHeap {
		s.heap.pop()
	} else {
		s.run[s.head] = Node{}
		s.head++
	}
	if s.head == len(s.run) {
		s.resetRun()
	}
	if len(s.heap) == 0 && cap(s.heap) > keptCapacity {
		s.heap = nil
	}
	return n
}

func (s *segment) resetRun() {
	if cap(s.run) > keptCapacity {
		s.run = nil
	} else {
		s.run = s.run[:0]
	}
	s.head = 0
}

// detach takes every node out of the segment, leaving it empty.
func (s *segment) detach() (run []Node, heap nodeHeap) {
	run, heap = s.run[s.head:], s.heap
	s.run, s.head, s.heap = nil, 0, nil
	return run, heap
}

// restore puts back nodes taken by detach, after whatever was pushed since.
// A run comes back as the run if nothing was pushed to the run meanwhile
// or it ends before the new run starts; otherwise its nodes join the heap.
func (s *segment) restore(run []Node, heap nodeHeap) {
	if len(run) > 0 {
		pushed := s.run[s.head:]
		switch {
		case len(pushed) == 0:
			s.run, s.head = run, 0
		case !pushed[0].before(run[len(run)-1]):
			s.run, s.head = append(run, pushed...), 0
		default:
			for _, n := range run {
				s.heap.push(n)
			}
		}
	}
	if len(heap) > 0 {
		if len(s.heap) == 0 {
			s.heap = heap
		} else {
			s.heap = append(s.heap, heap...)
			s.heap.init()
		}
	}
}
