package routecache

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The byte accounting in entry's comment, checked.
func TestEntryLayout(t *testing.T) {
	assert.Equal(t, uintptr(64), unsafe.Sizeof(Key{}))
	assert.Equal(t, uintptr(96), unsafe.Sizeof(entry[*int]{}), "Key 64 + route 8 + three words")
	assert.Equal(t, uintptr(16), unsafe.Sizeof(node{}))
	assert.Equal(t, uintptr(128), unsafe.Sizeof(counterStripe{}))
	assert.Equal(t, uintptr(64), unsafe.Sizeof(segment{}))
}

// newCollidingCache returns a cache whose key hashes keep only two bits, so
// most keys share their 64-bit hash with another key.
func newCollidingCache(t *testing.T, cfg Config[string]) (*Cache[string], *FakeClock, *evictLog) {
	t.Helper()
	clk := NewFakeClock(t0)
	log := &evictLog{}
	cfg.Clock, cfg.OnEvict, cfg.PruneInterval = clk, log.record, -1
	if cfg.TTL == 0 {
		cfg.TTL = time.Minute
	}
	c, err := newWithHashMask(cfg, 0b11)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c, clk, log
}

// Keys whose hashes collide behave exactly like any other keys: each is
// stored, read, overwritten, resolved, deleted, expired and evicted on its
// own.
func TestHashCollisions(t *testing.T) {
	c, clk, log := newCollidingCache(t, Config[string]{Shards: 1})
	keys := make([]Key, 40)
	for i := range keys {
		keys[i] = key(fmt.Sprint("r", i), "")
		require.NoError(t, c.Set(keys[i], fmt.Sprint("v", i)))
	}
	assert.Greater(t, c.collisionCount(), 30, "most keys collide")
	assert.Equal(t, 40, c.Len())
	for i, k := range keys {
		rec, err := c.Get(k)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint("v", i), rec.Route)
	}
	for i := 0; i < 40; i += 2 {
		require.NoError(t, c.Set(keys[i], fmt.Sprint("w", i)))
	}
	for i := 0; i < 40; i += 4 {
		assert.True(t, c.Delete(keys[i]))
		assert.False(t, c.Delete(keys[i]))
	}
	// A key that went to the collided map stays there when the primary
	// holder of its hash leaves, and the primary slot takes new keys.
	for i := 40; i < 60; i++ {
		k := key(fmt.Sprint("r", i), "t")
		require.NoError(t, c.Set(k, "late"))
		res, err := c.Resolve(k)
		require.NoError(t, err)
		assert.Equal(t, "late", res.Route)
	}
	seen := map[Key]string{}
	for k, rec := range c.All() {
		_, dup := seen[k]
		require.False(t, dup, "%v yielded twice", k)
		seen[k] = rec.Route
	}
	assert.Len(t, seen, c.Len())
	for i, k := range keys {
		got, ok := seen[k]
		switch {
		case i%4 == 0:
			assert.False(t, ok, "deleted")
		case i%2 == 0:
			assert.Equal(t, fmt.Sprint("w", i), got)
		default:
			assert.Equal(t, fmt.Sprint("v", i), got)
		}
	}
	log.take()

	clk.Advance(time.Minute)
	assert.Equal(t, c.Len(), c.Prune(), "every collided entry is found by the wheel")
	assert.Equal(t, 0, c.Len())
	assert.Zero(t, c.collisionCount())
}

func TestHashCollisionsEviction(t *testing.T) {
	c, clk, log := newCollidingCache(t, Config[string]{Shards: 1, MaxEntriesPerShard: 5})
	var keys []Key
	for i := 0; i < 12; i++ {
		k := key(fmt.Sprint("e", i), "")
		keys = append(keys, k)
		require.NoError(t, c.Set(k, "x"))
		clk.Advance(time.Second)
	}
	var evicted []Key
	for _, ev := range log.take() {
		assert.Equal(t, EvictCapacity, ev.Reason)
		evicted = append(evicted, ev.Key)
	}
	assert.Equal(t, keys[:7], evicted, "oldest write first, collided or not")
	assert.Equal(t, 5, c.Len())
}

func TestHashCollisionsExpiredLookup(t *testing.T) {
	c, clk, log := newCollidingCache(t, Config[string]{Shards: 1})
	var keys []Key
	for i := 0; i < 10; i++ {
		keys = append(keys, key(fmt.Sprint("x", i), ""))
		require.NoError(t, c.Set(keys[i], "x"))
	}
	clk.Advance(time.Minute)
	for _, k := range keys {
		_, err := c.Get(k)
		assert.ErrorIs(t, err, ErrExpired)
		_, err = c.Get(k)
		assert.ErrorIs(t, err, ErrNotFound)
	}
	assert.Len(t, log.take(), 10)
	assert.Zero(t, c.Prune(), "nothing left to sweep")
	assert.Zero(t, c.wheelNodes(), "the sweep dropped the stale nodes")
}

// Concurrent writers and readers of colliding keys never see another key's
// route and never miss a key that is held throughout.
func TestHashCollisionsConcurrent(t *testing.T) {
	c, _, _ := newCollidingCache(t, Config[string]{Shards: 2})
	stable := make([]Key, 8)
	for i := range stable {
		stable[i] = key(fmt.Sprint("stable", i), "")
		require.NoError(t, c.Set(stable[i], stable[i].Room))
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := key(fmt.Sprint("churn", w, "-", i%16), "")
				_ = c.Set(k, k.Room)
				if i%3 == 0 {
					c.Delete(k)
				}
			}
		}(w)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := stable[i%len(stable)]
				rec, err := c.Get(k)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, k.Room, rec.Route)
			}
		}()
	}
	wg.Wait()
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
