package bench

import (
	"sync"
)

// floorEvictAdapter is the floor (adapter_floor.go) with a capacity bound:
// what any evicting Set on routecache's design must do, and nothing more.
// The capacity is split over as many parts as routecache has shards; each
// part keeps its writes in a FIFO of (hash, sequence) under one mutex and,
// when it holds more than its share, takes the oldest write off the FIFO
// and deletes its entry if no later write replaced it. So a Set stores one
// entry (one allocation), files one FIFO node, and evicts one entry with a
// map read and a delete. It has no expiry order (routecache evicts the
// write that expires soonest), key check, validation, statistics or
// eviction callback. routecache's SetChurn over this one's is what those
// cost on an evicting Set at one core. A part's mutex is held across the
// map write, so a part's writers run one at a time: with more cores than
// one it has run both faster and slower than routecache, and is no floor
// there (bench/results-notes.md, "An evicting floor" and after).
type floorEvictAdapter struct {
	*floorAdapter
	parts    []evictPart
	perPart  int
	partMask uint64 // len(parts)-1; a power of two
}

// evictPart is one part of the capacity.
type evictPart struct {
	mu   sync.Mutex
	fifo writeQueue // writes in the order they were stored, stale ones included
	held int        // live entries of this part
	seq  uint64     // numbers this part's writes; 0 is never used
	_    [64]byte   // keeps the next part's lock off this part's cache line
}

// writeQueue is a FIFO of writes in a ring buffer that doubles when full,
// so that a steady stream of writes allocates nothing.
type writeQueue struct {
	nodes      []writeNode
	head, size int
}

type writeNode struct{ hash, seq uint64 }

func (q *writeQueue) push(n writeNode) {
	if q.size == len(q.nodes) {
		grown := make([]writeNode, max(64, 2*len(q.nodes)))
		for i := range q.size {
			grown[i] = q.nodes[(q.head+i)%len(q.nodes)]
		}
		q.nodes, q.head = grown, 0
	}
	q.nodes[(q.head+q.size)%len(q.nodes)] = n
	q.size++
}

func (q *writeQueue) pop() (writeNode, bool) {
	if q.size == 0 {
		return writeNode{}, false
	}
	n := q.nodes[q.head]
	q.head = (q.head + 1) % len(q.nodes)
	q.size--
	return n, true
}

func openFloorEvict(opts cacheOptions) (cacheUnderTest, error) {
	floor, err := openFloor(opts)
	if err != nil {
		return nil, err
	}
	parts := 1
	for parts < defaultShards() {
		parts *= 2
	}
	return &floorEvictAdapter{
		floorAdapter: floor.(*floorAdapter),
		parts:        make([]evictPart, parts),
		perPart:      (opts.capacity + parts - 1) / parts,
		partMask:     uint64(parts - 1),
	}, nil
}

func (a *floorEvictAdapter) Set(k *benchKey, r *route) bool {
	h := floorHash(k.key)
	p := &a.parts[(h>>32)&a.partMask] // the map picks buckets by the low bits
	now := a.clock.nanos.Load()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	_, replaced := a.m.LoadAndStore(h, floorEntry{
		key:       k.key,
		route:     r,
		updatedAt: now,
		expiresAt: now + a.ttl,
		seq:       p.seq,
	})
	p.fifo.push(writeNode{hash: h, seq: p.seq})
	if !replaced {
		p.held++
	}
	for p.held > a.perPart {
		n, ok := p.fifo.pop()
		if !ok {
			break
		}
		// Every write of a hash goes through this part's lock, so the entry
		// read here is the one a delete would remove.
		if e, ok := a.m.Load(n.hash); ok && e.seq == n.seq {
			a.m.Delete(n.hash)
			p.held--
		}
	}
	return true
}
