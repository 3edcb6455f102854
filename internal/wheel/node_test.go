package wheel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHeapOrder pushes, pops, filters and re-initialises heaps of every
// small size and a few large ones, and checks each pop against the
// sorted nodes.
func TestHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 100, 1000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var h nodeHeap
			var want []Node
			for i := range size {
				n := Node{Seq: uint64(i + 1), ExpiresAt: r.Int64N(int64(size/2 + 1))} // ties on expiry
				h.push(n)
				want = append(want, n)
			}
			slices.SortFunc(want, compare)
			// Drop every third node by filter, then scramble and init.
			h.filter(func(n Node) bool { return n.Seq%3 != 0 })
			want = slices.DeleteFunc(want, func(n Node) bool { return n.Seq%3 == 0 })
			r.Shuffle(len(h), func(i, j int) { h[i], h[j] = h[j], h[i] })
			h.init()
			for i, w := range want {
				require.Equal(t, w, h.pop(), "pop %d of %d", i, len(want))
			}
			require.Empty(t, h)
		})
	}
}

// BenchmarkHeapPop takes the first node of a heap of held nodes and pushes
// a later one, as the overflow does when a sweep moves its writes into the
// ring while new ones arrive. A million nodes (24 MB) is far larger than
// the CPU's caches; ten thousand fit in them.
func BenchmarkHeapPop(b *testing.B) {
	for _, held := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			const spread = int64(1) << 40
			h := make(nodeHeap, 0, held+1)
			for i := range held {
				h.push(Node{Seq: uint64(i + 1), ExpiresAt: r.Int64N(spread)})
			}
			seq := uint64(held)
			for b.Loop() {
				n := h.pop()
				seq++
				h.push(Node{Seq: seq, ExpiresAt: n.ExpiresAt + r.Int64N(spread)})
			}
		})
	}
}
