package routecache

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Under one TTL, eviction is least recently written first, and an
// overwrite moves a key to the back.
func TestEvictionOrderOneTTL(t *testing.T) {
	c, clk, log := newTestCache(t, Config[string]{Shards: 1, MaxEntriesPerShard: 3, TTL: time.Minute})
	a, b, d, e, f := key("a", ""), key("b", ""), key("d", ""), key("e", ""), key("f", "")
	for _, k := range []Key{a, b, d} {
		require.NoError(t, c.Set(k, k.Room))
		clk.Advance(time.Second)
	}
	require.NoError(t, c.Set(a, "a2")) // a moves to the back: b, d, a
	clk.Advance(time.Second)
	require.NoError(t, c.Set(e, "e")) // evicts b
	clk.Advance(time.Second)
	_, err := c.Resolve(key("d", "t"), "unused") // stores d:t from the room: evicts d
	require.NoError(t, err)
	require.NoError(t, c.Set(f, "f")) // evicts a
	assert.Equal(t, []evictEvent{
		{b, "b", EvictCapacity},
		{d, "d", EvictCapacity},
		{a, "a2", EvictCapacity},
	}, log.take())
	assert.Equal(t, 3, c.Len())
	assert.Equal(t, uint64(3), c.Stats().Evictions)
}

// Eviction takes the entry that expires soonest, whatever its write order,
// and reports an entry that had already expired as expired.
func TestEvictionTakesSoonestExpiry(t *testing.T) {
	c, clk, log := newTestCache(t, Config[string]{Shards: 1, MaxEntriesPerShard: 3, TTL: time.Minute})
	long, short, mid := key("long", ""), key("short", ""), key("mid", "")
	require.NoError(t, c.SetWithTTL(long, "l", time.Hour))
	require.NoError(t, c.SetWithTTL(short, "s", 2*time.Second))
	require.NoError(t, c.SetWithTTL(mid, "m", 10*time.Minute))
	clk.Advance(3 * time.Second)

	require.NoError(t, c.Set(key("new1", ""), "n1")) // short had expired
	require.NoError(t, c.Set(key("new2", ""), "n2")) // new1 (1 min) expires before mid (10 min)
	require.NoError(t, c.Set(key("new3", ""), "n3"))
	assert.Equal(t, []evictEvent{
		{short, "s", EvictExpired},
		{key("new1", ""), "n1", EvictCapacity},
		{key("new2", ""), "n2", EvictCapacity},
	}, log.take())
	st := c.Stats()
	assert.Equal(t, uint64(2), st.Evictions)
	assert.Equal(t, uint64(1), st.Expirations)
}

// Once every Set has returned, no shard holds more than its capacity, even
// when many goroutines write to the same shards at once.
func TestCapacityBoundUnderConcurrentSets(t *testing.T) {
	const capacity = 10
	c, _, log := newTestCache(t, Config[string]{Shards: 3, MaxEntriesPerShard: capacity})
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				_ = c.Set(key(fmt.Sprint("w", w, "-", i%50), ""), "r")
			}
		}(w)
	}
	wg.Wait()
	for i := 0; i < c.Shards(); i++ {
		assert.LessOrEqual(t, c.shardLen(i), capacity, "shard %d", i)
	}
	held := 0
	for range c.All() {
		held++
	}
	assert.Equal(t, c.Len(), held)
	assert.Equal(t, uint64(len(log.take())), c.Stats().Evictions)
}

// Writes that expire beyond the ring's horizon (here about 137 s) wait in
// the overflow heap; eviction takes them in expiry order, not write order,
// and only after every ring write.
func TestEvictionReachesOverflow(t *testing.T) {
	c, _, log := newTestCache(t, Config[string]{Shards: 1, MaxEntriesPerShard: 2, TTL: time.Minute})
	far, farther, middle := key("far", ""), key("farther", ""), key("middle", "")
	require.NoError(t, c.SetWithTTL(farther, "100h", 100*time.Hour))
	require.NoError(t, c.SetWithTTL(far, "10h", 10*time.Hour))
	require.NoError(t, c.SetWithTTL(middle, "50h", 50*time.Hour))       // evicts far
	require.NoError(t, c.SetWithTTL(key("x", ""), "70h", 70*time.Hour)) // evicts middle
	// Held: farther (100h), x (70h). A ring write expires sooner than every
	// overflow write, so it is the one evicted, even right after its own Set.
	require.NoError(t, c.Set(key("ring", ""), "1m"))
	require.NoError(t, c.Set(key("ring2", ""), "1m"))
	assert.Equal(t, []evictEvent{
		{far, "10h", EvictCapacity},
		{middle, "50h", EvictCapacity},
		{key("ring", ""), "1m", EvictCapacity},
		{key("ring2", ""), "1m", EvictCapacity},
	}, log.take())
	_, err := c.Get(farther)
	assert.NoError(t, err)
}

func TestEvictReasonString(t *testing.T) {
	assert.Equal(t, "capacity", EvictCapacity.String())
	assert.Equal(t, "expired", EvictExpired.String())
	assert.Equal(t, "deleted", EvictDeleted.String())
	assert.Equal(t, "EvictReason(0)", EvictReason(0).String())
}

// A writer whose TryLock fails because a sweep holds the maintenance lock
// must still not return while its shard is over capacity. The test holds
// the lock itself, as a sweep would, so the interleaving is forced rather
// than hoped for.
func TestCapacityBoundWhileSweepHoldsTheLock(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{Shards: 1, MaxEntriesPerShard: 1})
	require.NoError(t, c.Set(key("r1", ""), "a"))
	s := &c.shards[0]
	s.maintenance.Lock()
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		assert.NoError(t, c.Set(key("r2", ""), "b"))
	}()
	for s.size() < 2 {
		runtime.Gosched() // until the writer has published its entry
	}
	select {
	case <-returned:
		t.Fatal("Set returned with its shard over capacity")
	default:
	}
	// The writer cannot return until the holder lets go; with the size
	// over capacity it keeps trying the lock rather than leaving.
	for range 100 {
		runtime.Gosched()
		require.Equal(t, int64(2), s.size())
	}
	s.maintenance.Unlock()
	<-returned
	assert.Equal(t, 1, c.Len())
}

// Len and Stats.Entries are never negative, whichever way entries leave:
// each worker races its own removal path (Delete, a Get that meets an
// expired entry, Prune, capacity eviction) against writers of the same few
// keys while the clock moves past their TTL. internal/table's test of the
// same name races the count itself.
func TestLenNeverNegative(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{Shards: 2, MaxEntriesPerShard: 2, TTL: time.Millisecond})
	removals := []func(k Key){
		func(k Key) { c.Delete(k) },
		func(k Key) { _, _ = c.Get(k) },
		func(Key) { c.Prune() },
		func(k Key) { _ = c.Set(k.RoomScope(), "y") }, // capacity eviction of another key
	}
	var stop atomic.Bool
	var negative atomic.Int64
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		for !stop.Load() {
			if c.Len() < 0 || c.Stats().Entries < 0 {
				negative.Add(1)
			}
		}
	}()
	var workers sync.WaitGroup
	for _, remove := range removals {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := range 5_000 {
				k := key(fmt.Sprint(i%4), fmt.Sprint(i%3))
				_ = c.Set(k, "x")
				if i%16 == 0 {
					clk.Advance(time.Millisecond)
				}
				remove(k)
			}
		}()
	}
	workers.Wait()
	stop.Store(true)
	sampler.Wait()
	assert.Zero(t, negative.Load(), "readings below zero")
}
