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
	var want []Node
	seq := uint64(0)
	for step := range 3000 {
		switch op := rng.IntN(10); {
		case op < 5:
			for range rng.IntN(3 * blockNodes) {
				seq++
				n := Node{Hash: seq * 7, Seq: seq, ExpiresAt: int64(seq)}
				q.push(n)
				want = append(want, n)
			}
		case op < 9:
			for range min(rng.IntN(3*blockNodes), len(want)) {
				require.Equal(t, want[0], q.front(), "step %d", step)
				require.Equal(t, want[0], q.pop(keptCapacity), "step %d", step)
				want = want[1:]
			}
		default:
			mod := uint64(rng.IntN(4) + 1)
			keep := func(n Node) bool { return n.Seq%mod != 0 }
			q.filter(keep)
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
			q.push(Node{Seq: uint64(i)})
		}
	})
	require.Less(t, q.capacity()-q.len(), blockNodes)
	// One block per blockNodes nodes, the first block's growth and the
	// block list's own growth.
	require.Less(t, allocs, float64(nodes/blockNodes+40))
}
