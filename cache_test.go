package routecache

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/c41db742/routecache/internal/memstat"
)

func TestNewRejectsNegativeSettings(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config[string]
		want string
	}{
		{"shards", Config[string]{Shards: -1}, "negative Shards -1"},
		{"too many shards", Config[string]{Shards: MaxShards + 1}, "above MaxShards"},
		{"ttl", Config[string]{TTL: -time.Second}, "negative TTL -1s"},
		{"capacity", Config[string]{MaxEntriesPerShard: -5}, "negative MaxEntriesPerShard -5"},
		{"key bytes", Config[string]{MaxKeyBytes: -1}, "negative MaxKeyBytes -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, c)
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config[string]{PruneInterval: -1})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, max(2, 2*runtime.GOMAXPROCS(0)), c.Shards())
	assert.Equal(t, int64(DefaultTTL), c.ttl)
	assert.Equal(t, int64(DefaultMaxEntriesPerShard), c.maxEntries)
	assert.Equal(t, DefaultMaxKeyBytes, c.maxKeyBytes)

	for _, n := range []int{1, 3, 7, 100, MaxShards} {
		c, err := New(Config[string]{Shards: n, PruneInterval: -1})
		require.NoError(t, err)
		assert.Equal(t, n, c.Shards(), "any positive count is used exactly")
		require.NoError(t, c.Close())
	}
}

func TestSetGet(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{})
	k := key("r", "t")
	_, err := c.Get(k)
	assert.ErrorIs(t, err, ErrNotFound)

	require.NoError(t, c.Set(k, "a"))
	rec, err := c.Get(k)
	require.NoError(t, err)
	assert.Equal(t, "a", rec.Route)
	assert.True(t, rec.UpdatedAt.Equal(t0))
	assert.True(t, rec.ExpiresAt.Equal(t0.Add(time.Minute)))

	clk.Advance(time.Second)
	require.NoError(t, c.Set(k, "b"))
	rec, err = c.Get(k)
	require.NoError(t, err)
	assert.Equal(t, "b", rec.Route, "a Set replaces the earlier route")
	assert.True(t, rec.UpdatedAt.Equal(t0.Add(time.Second)))
	assert.Equal(t, 1, c.Len())
}

func TestInvalidKeys(t *testing.T) {
	c, _, log := newTestCache(t, Config[string]{MaxKeyBytes: 16})
	good := key("r", "t")
	require.NoError(t, c.Set(good, "kept"))
	tests := []struct {
		key  Key
		want string
	}{
		{Key{}, "routecache: invalid key: empty channel"},
		{Key{Channel: "c", Room: "r"}, "routecache: invalid key: empty bridge"},
		{Key{Channel: "c", Bridge: "b"}, "routecache: invalid key: empty room"},
		{Key{"c", "b", "r", "0123456789abcd"}, "routecache: invalid key: 17 bytes, above MaxKeyBytes 16"},
		{Key{"c", "b", strings.Repeat("r", 1<<20), ""}, "above MaxKeyBytes 16"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			check := func(err error) {
				t.Helper()
				require.ErrorIs(t, err, ErrInvalidKey)
				assert.Contains(t, err.Error(), tt.want)
			}
			check(c.Set(tt.key, "x"))
			check(c.SetWithTTL(tt.key, "x", time.Hour))
			_, err := c.Get(tt.key)
			check(err)
			_, err = c.Resolve(tt.key, "fb")
			check(err)
			assert.False(t, c.Delete(tt.key))
		})
	}
	exactly := Key{"c", "b", "r", "0123456789abc"} // 16 bytes
	require.NoError(t, c.Set(exactly, "ok"), "a key of exactly MaxKeyBytes is accepted")
	rec, err := c.Get(good)
	require.NoError(t, err)
	assert.Equal(t, "kept", rec.Route, "bad input disturbs nothing")
	assert.Equal(t, 2, c.Len())
	assert.Empty(t, log.take())
}

func TestValidate(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{Validate: func(r string) error {
		switch r {
		case "bad":
			return errBadRoute
		case "boom":
			panic("validator exploded")
		}
		return nil
	}})
	k := key("r", "")
	require.NoError(t, c.Set(k, "good"))

	err := c.Set(k, "bad")
	require.ErrorIs(t, err, ErrInvalidRoute)
	assert.ErrorIs(t, err, errBadRoute, "the validator's error is wrapped too")

	err = c.SetWithTTL(k, "boom", time.Hour)
	require.ErrorIs(t, err, ErrInvalidRoute)
	assert.Contains(t, err.Error(), "validator exploded")

	rec, err := c.Get(k)
	require.NoError(t, err)
	assert.Equal(t, "good", rec.Route, "a refused route stores nothing")

	res, err := c.Resolve(key("other", ""), "boom", "bad", "fine")
	require.NoError(t, err)
	assert.Equal(t, "fine", res.Route, "a panicking or rejecting Validate skips the fallback")
	assert.Equal(t, uint64(1), c.Stats().Sets)
}

func TestNegativeTTL(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	err := c.SetWithTTL(key("r", ""), "x", -time.Nanosecond)
	require.ErrorIs(t, err, ErrInvalidTTL)
	assert.Equal(t, 0, c.Len())
}

func TestClose(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	k := key("r", "")
	require.NoError(t, c.Set(k, "a"))
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")

	assert.ErrorIs(t, c.Set(k, "b"), ErrClosed)
	assert.ErrorIs(t, c.SetWithTTL(k, "b", time.Hour), ErrClosed)
	_, err := c.Get(k)
	assert.ErrorIs(t, err, ErrClosed)
	assert.False(t, c.Delete(k))
	assert.Zero(t, c.Prune())
	for range c.All() {
		t.Fatal("All yields nothing after Close")
	}
	assert.Equal(t, 1, c.Len())
	assert.Equal(t, 1, c.Stats().Entries)
	assert.ErrorIs(t, c.Set(Key{}, "b"), ErrInvalidKey, "key errors come first")
}

func TestDelete(t *testing.T) {
	c, clk, log := newTestCache(t, Config[string]{})
	live, expired := key("live", ""), key("expired", "")
	require.NoError(t, c.Set(live, "a"))
	require.NoError(t, c.SetWithTTL(expired, "b", time.Second))
	clk.Advance(time.Second)

	assert.True(t, c.Delete(live))
	assert.False(t, c.Delete(live), "already gone")
	assert.True(t, c.Delete(expired), "an expired entry is still held until removed")
	assert.Equal(t, []evictEvent{{live, "a", EvictDeleted}, {expired, "b", EvictExpired}}, log.take())
	assert.Equal(t, 0, c.Len())
	st := c.Stats()
	assert.Equal(t, uint64(1), st.Expirations)
	assert.Equal(t, uint64(0), st.Evictions)
}

func TestAll(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{Shards: 3})
	want := map[Key]string{}
	for i := 0; i < 50; i++ {
		k := key(fmt.Sprint("r", i), "")
		want[k] = fmt.Sprint("route", i)
		require.NoError(t, c.Set(k, want[k]))
	}
	require.NoError(t, c.SetWithTTL(key("short", ""), "x", time.Second))
	clk.Advance(time.Second)

	got := map[Key]string{}
	for k, rec := range c.All() {
		got[k] = rec.Route
		assert.True(t, rec.ExpiresAt.After(clk.Now()))
	}
	assert.Equal(t, want, got, "every live route, and no expired one")
	assert.Equal(t, 51, c.Len(), "All removes nothing")

	n := 0
	for range c.All() {
		n++
		if n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n, "the iteration stops when the loop breaks")

	// The loop body may call back into the cache.
	for k := range c.All() {
		require.NoError(t, c.Set(k, "rewritten"))
		c.Delete(k)
	}
}

func TestShardOf(t *testing.T) {
	a, _, _ := newTestCache(t, Config[string]{Shards: 7})
	b, _, _ := newTestCache(t, Config[string]{Shards: 7})
	counts := make([]int, 7)
	for i := 0; i < 7000; i++ {
		k := key(fmt.Sprint("room", i), "")
		s := a.ShardOf(k)
		require.Equal(t, s, b.ShardOf(k), "deterministic for a shard count")
		counts[s]++
	}
	for i, n := range counts {
		assert.InDelta(t, 1000, n, 200, "shard %d holds about a seventh", i)
	}
	// Pinned values: ShardOf must not change between releases or
	// processes, since routing layers may persist it or compute it
	// elsewhere.
	pinned := []struct {
		key   Key
		hash  uint64
		shard int // of 7
	}{
		{Key{"telegram", "bot", "room", ""}, 0xde99654a4f606d74, 6},
		{Key{"slack", "T1", "C024BE91L", "1700000000.000100"}, 0x8ce5ae66ce7b227d, 3},
		{Key{"a:b", "c", "r", ""}, 0x86e030f3f5065baa, 3},
	}
	for _, p := range pinned {
		assert.Equal(t, p.hash, hashKey(p.key), "%v", p.key)
		assert.Equal(t, p.shard, a.ShardOf(p.key), "%v", p.key)
	}
}

// With a ShardSeed, shard choice is deterministic for the seed and shard
// count, spreads keys as evenly, and differs from the unseeded choice and
// from another seed's: who does not know the seed cannot aim at a shard.
func TestShardSeed(t *testing.T) {
	newCache := func(seed uint64) *Cache[string] {
		c, _, _ := newTestCache(t, Config[string]{Shards: 16, ShardSeed: seed})
		return c
	}
	unseeded, a, a2, b := newCache(0), newCache(0x5eed), newCache(0x5eed), newCache(0xbad5eed)
	counts := make([]int, 16)
	same, sameOther := 0, 0
	for i := range 16_000 {
		k := key(fmt.Sprint("room", i), "")
		s := a.ShardOf(k)
		require.Equal(t, s, a2.ShardOf(k), "deterministic for a seed")
		counts[s]++
		if s == unseeded.ShardOf(k) {
			same++
		}
		if s == b.ShardOf(k) {
			sameOther++
		}
	}
	for i, n := range counts {
		assert.InDelta(t, 1000, n, 200, "shard %d holds about a sixteenth", i)
	}
	assert.InDelta(t, 1000, same, 200, "agrees with the unseeded choice only by chance")
	assert.InDelta(t, 1000, sameOther, 200, "agrees with another seed only by chance")
	// The keys still go where ShardOf says.
	k := key("r", "")
	require.NoError(t, a.Set(k, "x"))
	assert.Equal(t, 1, a.shardLen(a.ShardOf(k)))
}

func TestStats(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{Shards: 1, MaxEntriesPerShard: 2})
	a, b, d := key("a", ""), key("b", ""), key("d", "")
	require.NoError(t, c.Set(a, "1"))
	require.NoError(t, c.SetWithTTL(b, "2", time.Second))
	_, _ = c.Get(a) // hit
	_, _ = c.Get(d) // miss
	clk.Advance(time.Second)
	_, _ = c.Get(b)                 // expired: stale, expiration, miss
	_, _ = c.Resolve(key("a", "t")) // room hit, stores a:t
	_, _ = c.Resolve(d, "f")        // fallback hit, stores d: a (oldest write) is evicted
	_, _ = c.Resolve(key("zz", "")) // no route: miss
	st := c.Stats()
	assert.Equal(t, Stats{
		Entries: 2, Sets: 2, Hits: 1, RoomHits: 1, FallbackHits: 1,
		Misses: 3, Stale: 1, Evictions: 1, Expirations: 1,
	}, st)
	assert.Equal(t, c.Len(), st.Entries)
}

// Get hit and Resolve exact hit allocate nothing; Set allocates the map's
// entry only (wheel blocks are amortised over many Sets).
func TestHotPathAllocations(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{OnEvict: func(Key, string, EvictReason) {}})
	k := key("r", "t")
	require.NoError(t, c.Set(k, "route"))
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = c.Get(k) }), "Get hit")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = c.Resolve(k) }), "Resolve exact hit")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = c.Resolve(k, "fb1", "fb2") }), "Resolve exact hit with fallbacks")
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { _ = c.Set(k, "route") }), 1.0, "Set overwrite")
	i := 0
	keys := benchKeys(2000)
	assert.LessOrEqual(t, testing.AllocsPerRun(1000, func() { _ = c.Set(keys[i], "route"); i++ }), 1.0, "Set new key")
}

// Overwriting one key millions of times must not grow the heap: the
// overwritten writes' wheel nodes are reclaimed.
func TestOverwriteDoesNotGrowHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000,000 writes")
	}
	// Under the race detector 200,000 writes: a leak of one 24-byte wheel
	// node a write would still pass the 1 MiB bound four times over.
	writes := 2_000_000
	if raceEnabled {
		writes = 200_000
	}
	c, _, _ := newTestCache(t, Config[string]{})
	k := key("r", "t")
	require.NoError(t, c.Set(k, "r"))
	before := memstat.LiveHeap()
	for i := 0; i < writes; i++ {
		if err := c.Set(k, "r"); err != nil {
			t.Fatal(err)
		}
	}
	after := memstat.LiveHeap()
	growth := int64(after) - int64(before)
	t.Logf("heap growth after %d overwrites: %d bytes; wheel nodes held: %d", writes, growth, c.wheelNodes())
	assert.Less(t, growth, int64(1<<20))
	assert.LessOrEqual(t, c.wheelNodes(), (writerStaleFactor+1)+compactSlack+1)
	assert.Equal(t, 1, c.Len())
}

// Many goroutines mix every operation; afterwards the cache's own accounts
// must agree with each other and with what the goroutines did.
func TestConcurrentMixedOperations(t *testing.T) {
	const (
		workers  = 8
		perShard = 64
		rounds   = 3000
	)
	c, clk, log := newTestCache(t, Config[string]{Shards: 4, MaxEntriesPerShard: perShard, TTL: 50 * time.Millisecond})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				k := key(fmt.Sprint("r", (i*7+w)%97), fmt.Sprint("t", i%3))
				if i%5 == 0 {
					k = k.RoomScope()
				}
				switch i % 9 {
				case 0, 1, 2:
					_ = c.Set(k, fmt.Sprint("w", w))
				case 3:
					_ = c.SetWithTTL(k, "short", time.Millisecond)
				case 4, 5:
					if rec, err := c.Get(k); err == nil {
						assert.NotEmpty(t, rec.Route)
					}
				case 6:
					_, _ = c.Resolve(k, "fb")
				case 7:
					c.Delete(k)
				case 8:
					if w == 0 {
						clk.Advance(time.Millisecond)
						c.Prune()
					}
				}
			}
		}(w)
	}
	wg.Wait()

	for i := 0; i < c.Shards(); i++ {
		assert.LessOrEqual(t, c.shardLen(i), perShard, "shard %d within capacity", i)
	}
	live := 0
	for k, rec := range c.All() {
		live++
		got, err := c.Get(k)
		require.NoError(t, err)
		assert.Equal(t, rec.Route, got.Route)
	}
	assert.LessOrEqual(t, live, c.Len())

	st := c.Stats()
	events := log.take()
	var evicted, expired, deleted uint64
	for _, ev := range events {
		switch ev.Reason {
		case EvictCapacity:
			evicted++
		case EvictExpired:
			expired++
		case EvictDeleted:
			deleted++
		}
	}
	assert.Equal(t, st.Evictions, evicted, "every capacity eviction reported once")
	assert.Equal(t, st.Expirations, expired, "every expiration reported once")
	assert.Equal(t, st.Entries, c.Len())

	// Once everything has expired, one Prune empties the cache and the
	// stale wheel nodes are gone with it.
	clk.Advance(time.Hour)
	c.Prune()
	assert.Equal(t, 0, c.Len())
	assert.Zero(t, c.wheelNodes())
}

// Every entry leaves exactly once, whatever removes it: the sum of inserts
// equals the removals reported plus what is still held.
func TestEveryEntryLeavesOnce(t *testing.T) {
	c, clk, log := newTestCache(t, Config[string]{Shards: 2, MaxEntriesPerShard: 16, TTL: time.Second})
	var wg sync.WaitGroup
	inserted := make([]int, 4)
	for w := range inserted {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := key(fmt.Sprint("w", w, "-", i), "") // never overwritten
				require.NoError(t, c.Set(k, "r"))
				inserted[w]++
				if i%10 == 0 {
					c.Delete(key(fmt.Sprint("w", w, "-", i-5), ""))
				}
				if w == 0 && i%100 == 0 {
					clk.Advance(100 * time.Millisecond)
					c.Prune()
				}
			}
		}(w)
	}
	wg.Wait()
	seen := map[Key]int{}
	for _, ev := range log.take() {
		seen[ev.Key]++
	}
	for k, n := range seen {
		require.Equal(t, 1, n, "%v reported %d times", k, n)
	}
	total := 0
	for _, n := range inserted {
		total += n
	}
	assert.Equal(t, total, len(seen)+c.Len())
}

// OnEvict runs outside every lock: a callback that writes, reads and
// deletes in the same cache does not deadlock, and a panicking callback
// does not break the cache.
func TestOnEvictReentrantAndPanicking(t *testing.T) {
	var c *Cache[string]
	var calls []string
	clk := NewFakeClock(t0)
	c, err := New(Config[string]{
		Clock: clk, PruneInterval: -1, Shards: 1, MaxEntriesPerShard: 2, TTL: time.Minute,
		OnEvict: func(k Key, route string, reason EvictReason) {
			calls = append(calls, k.Room+":"+reason.String())
			if k.Room == "panic" {
				panic("callback exploded")
			}
			if k.Thread == "" {
				_ = c.Set(key(k.Room, "requeued"), route) // may evict again, recursively
				_, _ = c.Get(k)
				c.Delete(key("nothing", ""))
				_ = c.Stats()
			}
		},
	})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Set(key("panic", ""), "p"))
	require.NoError(t, c.Set(key("a", ""), "a"))
	require.NoError(t, c.Set(key("b", ""), "b")) // evicts "panic"
	// Evicts "a", whose callback writes a:requeued and so evicts "b",
	// whose callback evicts "c", whose callback evicts a:requeued.
	require.NoError(t, c.Set(key("c", ""), "c"))
	assert.Equal(t, []string{"panic:capacity", "a:capacity", "b:capacity", "c:capacity", "a:capacity"}, calls)
	assert.Equal(t, 2, c.Len())
	for _, room := range []string{"b", "c"} {
		rec, err := c.Get(key(room, "requeued"))
		require.NoError(t, err)
		assert.Equal(t, room, rec.Route)
	}
}

// errors.Is works through every wrapping the package does.
func TestErrorsAreSentinels(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	_, err := c.Resolve(key("none", ""))
	assert.True(t, errors.Is(err, ErrNoRoute))
	assert.Equal(t, "routecache: no route for telegram:bot:none", err.Error())
	all := []error{ErrNotFound, ErrExpired, ErrNoRoute, ErrInvalidKey, ErrInvalidRoute, ErrInvalidTTL, ErrInvalidConfig, ErrClosed}
	for _, e := range all {
		assert.True(t, strings.HasPrefix(e.Error(), "routecache: "), e.Error())
	}
	for i, a := range all {
		for j, b := range all {
			assert.Equal(t, i == j, errors.Is(a, b))
		}
	}
}
