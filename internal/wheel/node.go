package wheel

// Node is the wheel's record of one write: enough to find the entry again
// (Hash), to tell whether it is still the entry's current write (Seq), and
// to order it among the others (ExpiresAt). 24 bytes.
type Node struct {
	Hash      uint64 // the key hash the entry is stored under
	Seq       uint64 // the write's sequence number in its shard
	ExpiresAt int64  // the write's expiry, ns since the cache's epoch
}

// before is the wheel's order: sooner expiry first, then older write.
func (n Node) before(m Node) bool {
	return n.ExpiresAt < m.ExpiresAt || (n.ExpiresAt == m.ExpiresAt && n.Seq < m.Seq)
}

// nodeHeap is a binary min-heap in the wheel's order. It is written out
// rather than built on container/heap, whose Push boxes every 24-byte node
// in an interface: one allocation per write.
type nodeHeap []Node

func (h *nodeHeap) push(n Node) {
	*h = append(*h, n)
	s := *h
	i := len(s) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !s[i].before(s[parent]) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

// pop removes and returns the first node. The heap must not be empty.
func (h *nodeHeap) pop() Node {
	s := *h
	first := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = Node{}
	*h = s[:last]
	h.down(0)
	return first
}

func (h nodeHeap) down(i int) {
	for {
		least := i
		for _, child := range [2]int{2*i + 1, 2*i + 2} {
			if child < len(h) && h[child].before(h[least]) {
				least = child
			}
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}

// init restores the heap order after arbitrary edits, in linear time.
func (h nodeHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// filter keeps the nodes keep accepts, in place, and restores the order.
func (h *nodeHeap) filter(keep func(Node) bool) {
	*h = filterNodes(*h, keep)
	h.init()
}

// filterNodes keeps the nodes keep accepts, in order, in place, clearing
// the tail so dropped nodes hold nothing.
func filterNodes(nodes []Node, keep func(Node) bool) []Node {
	kept := nodes[:0]
	for _, n := range nodes {
		if keep(n) {
			kept = append(kept, n)
		}
	}
	clear(nodes[len(kept):])
	return kept
}
