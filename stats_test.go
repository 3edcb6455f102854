package routecache

import (
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// The counter stripe fills two cache lines exactly.
func TestCounterStripeLayout(t *testing.T) {
	assert.Equal(t, uintptr(128), unsafe.Sizeof(counterStripe{}))
}

func TestStatsStripesAddUp(t *testing.T) {
	cs := newCounters()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				cs.stripe().hits.Add(1)
				cs.stripe().sets.Add(2)
			}
		}()
	}
	wg.Wait()
	s := cs.snapshot()
	assert.Equal(t, uint64(8000), s.Hits)
	assert.Equal(t, uint64(16000), s.Sets)
	assert.Zero(t, testing.AllocsPerRun(100, func() { cs.stripe().misses.Add(1) }))
}

// BenchmarkCounterStripe compares ways of picking the counter a hit
// increments, from RunParallel goroutines: one shared atomic, a stripe
// picked by math/rand/v2, a stripe picked by the key's hash (one hot key
// from every goroutine, as under Zipf traffic), and the goroutine's own
// stripe picked by stack address (what counters.stripe does).
func BenchmarkCounterStripe(b *testing.B) {
	cs := newCounters()
	mask := uint64(len(cs.stripes) - 1)
	hotHash := hashKey(key("hot", ""))
	b.Run("shared", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				cs.stripes[0].hits.Add(1)
			}
		})
	})
	b.Run("rand", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				cs.stripes[rand.Uint64()&mask].hits.Add(1)
			}
		})
	})
	b.Run("hot-key-hash", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				cs.stripes[(hotHash>>7)&mask].hits.Add(1)
			}
		})
	})
	b.Run("stack", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				cs.stripe().hits.Add(1)
			}
		})
	})
}
