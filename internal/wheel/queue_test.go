package wheel

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQueueAgainstSlice drives a nodeQueue and a plain slice with the same
// random pushes, pops and filters, in bursts long enough to cross many
// block boundaries and to empty the queue now and then, and checks after
// every step that both hold the same nodes in the same order, and that
// every block but the last is full.
func TestQueueAgainstSlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var q nodeQueue
	var spare blockPool
	var want []Node
	seq := uint64(0)
	for step := range 3000 {
		switch op := rng.IntN(10); {
		case op < 5:
			for range rng.IntN(3 * blockNodes) {
				seq++
				n := Node{Hash: seq * 7, Seq: seq, ExpiresAt: int64(seq)}
				q.push(n, &spare)
				want = append(want, n)
			}
		case op < 9:
			for range min(rng.IntN(3*blockNodes), len(want)) {
				require.Equal(t, want[0], q.front(), "step %d", step)
				require.Equal(t, want[0], q.pop(keptCapacity, &spare), "step %d", step)
				want = want[1:]
			}
		default:
			mod := uint64(rng.IntN(4) + 1)
			keep := func(n Node) bool { return n.Seq%mod != 0 }
			q.filter(keep, &spare)
			var kept []Node
			for _, n := range want {
				if keep(n) {
					kept = append(kept, n)
				}
			}
			want = kept
		}
		checkQueue(t, &q, want, step)
	}
}

func checkQueue(t *testing.T, q *nodeQueue, want []Node, step int) {
	t.Helper()
	require.Equal(t, len(want), q.len(), "step %d", step)
	var got []Node
	q.each(func(n Node) { got = append(got, n) })
	if len(want) == 0 {
		require.Empty(t, got, "step %d", step)
		require.LessOrEqual(t, q.capacity(), keptCapacity, "step %d: an empty queue keeps at most one small block", step)
		return
	}
	require.Equal(t, want, got, "step %d", step)
	require.Equal(t, want[len(want)-1], q.back(), "step %d", step)
	for i, b := range q.blocks[:len(q.blocks)-1] {
		require.Len(t, b, blockNodes, "step %d: block %d of %d is not full", step, i, len(q.blocks))
	}
}

// TestQueueCostsItsNodes: a queue of many nodes holds less than one block
// more than its nodes need, and pushing them allocates about one block per
// blockNodes pushes, where one growing slice would reallocate and copy.
func TestQueueCostsItsNodes(t *testing.T) {
	const nodes = 100_000
	var q nodeQueue
	allocs := testing.AllocsPerRun(1, func() {
		q = nodeQueue{}
		for i := range nodes {
			q.push(Node{Seq: uint64(i)}, nil)
		}
	})
	require.Less(t, q.capacity()-q.len(), blockNodes)
	// One block per blockNodes nodes, the first block's growth and the
	// block list's own growth.
	require.Less(t, allocs, float64(nodes/blockNodes+40))
}

// TestQueueRecyclesBlocks: in the pattern of one TTL, where writes fill
// one queue while eviction empties another, the blocks the popping queue
// releases serve the pushing queue, so the pushes allocate almost nothing
// once the first blocks are made. Without a pool, every blockNodes pushes
// allocate a block.
func TestQueueRecyclesBlocks(t *testing.T) {
	const held = 20 * blockNodes
	for _, tc := range []struct {
		name        string
		spare       *blockPool
		least, most float64 // allocations per blockNodes pushes
	}{
		// AllocsPerRun's average is rounded down, so the one block made
		// after a collection has emptied the pool does not count.
		{"pool", &blockPool{}, 0, 0.1},
		{"none", nil, 1, 1.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var oldest, newest nodeQueue
			for i := range held {
				oldest.push(Node{Seq: uint64(i)}, tc.spare)
			}
			seq := uint64(held)
			allocs := testing.AllocsPerRun(50, func() {
				for range blockNodes {
					oldest.pop(keptCapacity, tc.spare)
					newest.push(Node{Seq: seq}, tc.spare)
					seq++
				}
				if oldest.len() == 0 {
					oldest, newest = newest, oldest
				}
			})
			require.GreaterOrEqual(t, allocs, tc.least)
			require.LessOrEqual(t, allocs, tc.most)
		})
	}
}
