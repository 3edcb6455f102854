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
	index int64     // the segment index this ring slot holds now
	run   nodeQueue // in the wheel's order
	heap  nodeHeap
}

// keptCapacity is the largest node buffer an emptied segment keeps for
// reuse; larger ones are released so memory follows live entries.
const keptCapacity = 256

func (s *segment) len() int { return s.run.len() + len(s.heap) }

func (s *segment) push(n Node, spare *blockPool) {
	if s.run.len() > 0 && n.before(s.run.back()) {
		s.heap.push(n)
		return
	}
	s.run.push(n, spare)
}

// first returns the segment's first node in the wheel's order, and whether
// it comes from the heap. The segment must not be empty.
func (s *segment) first() (Node, bool) {
	switch {
	case s.run.len() == 0:
		return s.heap[0], true
	case len(s.heap) == 0:
		return s.run.front(), false
	case s.heap[0].before(s.run.front()):
		return s.heap[0], true
	}
	return s.run.front(), false
}

// pop removes and returns the first node. The segment must not be empty.
func (s *segment) pop(spare *blockPool) Node {
	n, fromHeap := s.first()
	if fromHeap {
		s.heap.pop()
	} else {
		s.run.pop(keptCapacity, spare)
	}
	if len(s.heap) == 0 && cap(s.heap) > keptCapacity {
		s.heap = nil
	}
	return n
}

// detach takes every node out of the segment, leaving it empty.
func (s *segment) detach() (run nodeQueue, heap nodeHeap) {
	run, heap = s.run, s.heap
	s.run, s.heap = nodeQueue{}, nil
	return run, heap
}

// restore puts back nodes taken by detach, after whatever was pushed since.
// A run comes back as the run if nothing was pushed to the run meanwhile
// or it ends before the new run starts; otherwise its nodes join the heap.
func (s *segment) restore(run nodeQueue, heap nodeHeap, spare *blockPool) {
	if run.len() > 0 {
		pushed := s.run
		switch {
		case pushed.len() == 0:
			s.run = run
		case !pushed.front().before(run.back()):
			pushed.each(func(n Node) { run.push(n, spare) })
			pushed.reset(0, spare)
			s.run = run
		default:
			run.each(s.heap.push)
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
