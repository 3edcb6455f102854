package routecache

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newCollidingCache returns a test cache for keys built by collidingKeys.
func newCollidingCache(t *testing.T, cfg Config[string]) (*Cache[string], *FakeClock, *evictLog) {
	t.Helper()
	return newTestCache(t, cfg)
}

// The keys collidingKeys computes really share one 64-bit hash, and so one
// shard for every shard count, MaxShards included; with a ShardSeed too.
func TestCollidingKeysShareHashAndShard(t *testing.T) {
	keys := collidingKeys(2000, "")
	for _, seed := range []uint64{0, 0x5eed} {
		c, err := New(Config[string]{Shards: MaxShards, PruneInterval: -1, ShardSeed: seed})
		require.NoError(t, err)
		want := hashKey(keys[0])
		for _, k := range keys {
			require.Equal(t, want, hashKey(k))
			require.Equal(t, c.ShardOf(keys[0]), c.ShardOf(k))
		}
		require.NoError(t, c.Close())
	}
}

// Keys whose hashes collide behave exactly like any other keys: each is
// stored, read, overwritten, resolved, deleted, expired and evicted on its
// own.
func TestHashCollisions(t *testing.T) {
	c, clk, log := newCollidingCache(t, Config[string]{Shards: 1})
	keys := collidingKeys(40, "")
	for i := range keys {
		require.NoError(t, c.Set(keys[i], fmt.Sprint("v", i)))
	}
	assert.Equal(t, 40, c.collisionCount(), "every key of the shared hash lives in its group")
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
	for _, k := range collidingKeys(60, "t")[40:] {
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
	keys := collidingKeys(12, "")
	for _, k := range keys {
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
	keys := collidingKeys(10, "")
	for _, k := range keys {
		require.NoError(t, c.Set(k, "x"))
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
	all := collidingKeys(8+4*16, "")
	stable := all[:8]
	for _, k := range stable {
		require.NoError(t, c.Set(k, k.Room))
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := all[8+w*16+i%16]
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
