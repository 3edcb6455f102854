package wheel

import "sync"

// blockNodes is the length of a full block of a nodeQueue: 128 nodes of 24
// bytes fill Go's 3072-byte size class exactly.
const blockNodes = 128

// nodeQueue is a FIFO of nodes kept in blocks of blockNodes. A segment
// that one TTL fills in order holds all its nodes here, up to every entry
// of the shard. A single slice grown by append costs, at that size, about
// five times the nodes' bytes in discarded copies (append grows large
// slices by a quarter), up to a quarter of them in unused capacity, and a
// copy of every node under the segment's lock at each growth; blocks cost
// one 3 KiB allocation per 128 pushes and move nothing.
//
// The first block grows by append up to blockNodes, so a queue of a few
// nodes costs a few nodes; later blocks are allocated full size. Every
// block but the last holds blockNodes nodes, and blocks[0][head:] is the
// front. The zero nodeQueue is empty and ready.
type nodeQueue struct {
	blocks [][]Node
	head   int // index of the first node in blocks[0]
	n      int // nodes held
}

func (q *nodeQueue) len() int { return q.n }

// capacity is the number of nodes the queue's blocks can hold.
func (q *nodeQueue) capacity() int {
	c := 0
	for _, b := range q.blocks {
		c += cap(b)
	}
	return c
}

// front returns the first node. The queue must not be empty.
func (q *nodeQueue) front() Node { return q.blocks[0][q.head] }

// back returns the last node. The queue must not be empty.
func (q *nodeQueue) back() Node {
	last := q.blocks[len(q.blocks)-1]
	return last[len(last)-1]
}

// push appends n, taking a new block from spare when the last is full.
func (q *nodeQueue) push(n Node, spare *blockPool) {
	if len(q.blocks) == 0 {
		q.blocks = append(q.blocks, nil)
	}
	i := len(q.blocks) - 1
	if b := q.blocks[i]; len(b) == cap(b) && cap(b) >= blockNodes {
		q.blocks = append(q.blocks, spare.get())
		i++
	}
	q.blocks[i] = append(q.blocks[i], n)
	q.n++
}

// pop removes and returns the first node. The queue must not be empty.
// An emptied queue keeps its first block for reuse if it is no larger than
// keep nodes; a block emptied while others follow it goes to spare.
func (q *nodeQueue) pop(keep int, spare *blockPool) Node {
	n := q.blocks[0][q.head]
	q.head++
	q.n--
	switch {
	case q.n == 0:
		q.reset(keep, spare)
	case q.head == len(q.blocks[0]):
		spare.put(q.blocks[0])
		q.blocks[0] = nil
		q.blocks = q.blocks[1:]
		q.head = 0
	}
	return n
}

// reset empties the queue, keeping its first block for reuse if that
// holds no more than keep nodes; the other blocks go to spare.
func (q *nodeQueue) reset(keep int, spare *blockPool) {
	for i, b := range q.blocks {
		if i > 0 || cap(b) > keep {
			spare.put(b)
		}
	}
	if len(q.blocks) > 0 && cap(q.blocks[0]) <= keep {
		first := q.blocks[0][:0]
		clear(q.blocks[1:])
		q.blocks = append(q.blocks[:0], first)
	} else {
		q.blocks = nil
	}
	q.head, q.n = 0, 0
}

// each calls f for every node in order.
func (q *nodeQueue) each(f func(Node)) {
	for i, b := range q.blocks {
		if i == 0 {
			b = b[q.head:]
		}
		for _, n := range b {
			f(n)
		}
	}
}

// filter keeps the nodes keep accepts, in order, in place, and gives the
// blocks it no longer needs to spare.
func (q *nodeQueue) filter(keep func(Node) bool, spare *blockPool) {
	// The write position trails the read position through the same
	// blocks, starting where the front is, so every block but the last
	// stays full.
	wb, wi, kept := 0, q.head, 0
	q.each(func(n Node) {
		if !keep(n) {
			return
		}
		if wi == len(q.blocks[wb]) {
			wb, wi = wb+1, 0
		}
		q.blocks[wb][wi] = n
		wi++
		kept++
	})
	if kept == 0 {
		q.reset(0, spare)
		return
	}
	q.blocks[wb] = q.blocks[wb][:wi]
	for _, b := range q.blocks[wb+1:] {
		spare.put(b)
	}
	clear(q.blocks[wb+1:])
	q.blocks = q.blocks[:wb+1]
	q.n = kept
}

// blockPool recycles the full-size blocks of one wheel's queues. With one
// TTL, writes fill the newest segment's queue while eviction and sweeps
// empty the oldest one's, a block at each end per blockNodes writes: the
// pool hands the emptied block to the next push instead of leaving it to
// the collector. Measured in 6 processes in turns: BenchmarkEvictOne 24 ->
// 0 B/op and 60.4 -> 54.4 ns (p = 0.002); BenchmarkSetChurn at -cpu 1 123
// -> 100 B/op, its time unchanged within a 15 % spread. A nil pool
// allocates every block. sync.Pool drops what no Get took within two
// collections, so the blocks of a wheel that stopped churning go back to
// the heap.
type blockPool struct{ pool sync.Pool }

// get returns an empty block of capacity blockNodes.
func (p *blockPool) get() []Node {
	if p != nil {
		if b, ok := p.pool.Get().(*[blockNodes]Node); ok {
			return b[:0]
		}
	}
	return make([]Node, 0, blockNodes)
}

// put takes b for reuse if it is a full-size block. The caller must not
// use b afterwards.
func (p *blockPool) put(b []Node) {
	if p != nil && cap(b) == blockNodes {
		p.pool.Put((*[blockNodes]Node)(b[:blockNodes]))
	}
}
