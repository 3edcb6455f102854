package routecache

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// watchdog fails the test if f does not return within a generous bound:
// a deadlock fails instead of hanging the run.
func watchdog(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: deadlocked", what)
	}
}

// Close may be called from OnEvict on every path that removes an entry,
// the background sweep included, and from Validate: nothing deadlocks,
// and later calls of Close return too.
func TestCloseFromCallbacks(t *testing.T) {
	paths := []struct {
		name string
		// prepare leaves an entry for trigger to remove; trigger removes it.
		prepare func(c *Cache[string], clk *FakeClock)
		trigger func(c *Cache[string], clk *FakeClock)
	}{
		{"capacity", func(c *Cache[string], _ *FakeClock) { _ = c.Set(key("a", ""), "x") },
			func(c *Cache[string], _ *FakeClock) { _ = c.Set(key("b", ""), "y") }},
		{"get expired", func(c *Cache[string], clk *FakeClock) { _ = c.Set(key("a", ""), "x"); clk.Advance(time.Hour) },
			func(c *Cache[string], _ *FakeClock) { _, _ = c.Get(key("a", "")) }},
		{"resolve expired", func(c *Cache[string], clk *FakeClock) { _ = c.Set(key("a", ""), "x"); clk.Advance(time.Hour) },
			func(c *Cache[string], _ *FakeClock) { _, _ = c.Resolve(key("a", ""), "f") }},
		{"resolve expired room", func(c *Cache[string], clk *FakeClock) { _ = c.Set(key("a", ""), "x"); clk.Advance(time.Hour) },
			func(c *Cache[string], _ *FakeClock) { _, _ = c.Resolve(key("a", "t"), "f") }},
		{"delete", func(c *Cache[string], _ *FakeClock) { _ = c.Set(key("a", ""), "x") },
			func(c *Cache[string], _ *FakeClock) { c.Delete(key("a", "")) }},
		{"prune", func(c *Cache[string], clk *FakeClock) { _ = c.Set(key("a", ""), "x"); clk.Advance(time.Hour) },
			func(c *Cache[string], _ *FakeClock) { c.Prune() }},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			var c *Cache[string]
			called := make(chan struct{}, 1)
			clk := NewFakeClock(t0)
			c, err := New(Config[string]{Shards: 1, MaxEntriesPerShard: 1, TTL: time.Minute, Clock: clk, PruneInterval: -1,
				OnEvict: func(Key, string, EvictReason) {
					_ = c.Close()
					called <- struct{}{}
				}})
			require.NoError(t, err)
			p.prepare(c, clk)
			watchdog(t, p.name, func() { p.trigger(c, clk) })
			<-called
			watchdog(t, "a later Close", func() { _ = c.Close() })
			assert.ErrorIs(t, c.Set(key("z", ""), "x"), ErrClosed)
		})
	}
	t.Run("background sweep", func(t *testing.T) {
		var c *Cache[string]
		called := make(chan struct{})
		clk := NewFakeClock(t0)
		c, err := New(Config[string]{TTL: time.Minute, Clock: clk, PruneInterval: time.Millisecond,
			OnEvict: func(Key, string, EvictReason) {
				_ = c.Close() // on the sweeper's goroutine: must not wait for itself
				close(called)
			}})
		require.NoError(t, err)
		require.NoError(t, c.Set(key("a", ""), "x"))
		clk.Advance(time.Hour)
		watchdog(t, "the sweep's OnEvict", func() { <-called })
		watchdog(t, "a later Close", func() { _ = c.Close() })
		watchdog(t, "the sweeper's end", func() { <-c.sweeperDone })
	})
	t.Run("validate", func(t *testing.T) {
		var c *Cache[string]
		c, err := New(Config[string]{PruneInterval: time.Millisecond, Validate: func(string) error {
			_ = c.Close()
			return nil
		}})
		require.NoError(t, err)
		watchdog(t, "Set", func() { _ = c.Set(key("a", ""), "x") })
		watchdog(t, "Resolve", func() { _, _ = c.Resolve(key("b", ""), "f") })
		watchdog(t, "Close", func() { _ = c.Close() })
	})
}

// Close stops the background goroutines: the refresher and the sweeper
// have returned when it does (their done channels are closed), whatever
// was configured.
func TestCloseStopsBackgroundWork(t *testing.T) {
	for _, cfg := range []Config[string]{
		{},                                // refresher and sweeper
		{PruneInterval: -1},               // refresher only
		{PruneInterval: time.Millisecond}, // busy sweeper
		{Clock: NewFakeClock(t0)},         // sweeper only
		{Clock: NewFakeClock(t0), PruneInterval: -1}, // nothing to run
	} {
		c, err := New(cfg)
		require.NoError(t, err)
		_ = c.Set(key("a", ""), "x")
		_, _ = c.Get(key("a", "")) // wakes the refresher, if any
		require.NoError(t, c.Close())
		for _, done := range []chan struct{}{c.refresherDone, c.sweeperDone} {
			if done == nil {
				continue
			}
			select {
			case <-done:
			default:
				t.Fatalf("%+v: a background goroutine outlived Close", cfg)
			}
		}
	}
}

// The zero Cache behaves as a closed one: no method panics, each returns
// ErrClosed, false, 0 or nothing.
func TestZeroCache(t *testing.T) {
	var c Cache[string]
	k := key("r", "t")
	assert.ErrorIs(t, c.Set(k, "x"), ErrClosed)
	assert.ErrorIs(t, c.SetWithTTL(k, "x", time.Second), ErrClosed)
	_, err := c.Get(k)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = c.Resolve(k)
	assert.ErrorIs(t, err, ErrClosed)
	res, err := c.Resolve(k, "fallback")
	require.NoError(t, err, "a closed cache still answers from fallbacks")
	assert.Equal(t, ReasonUnavailable, res.Reason)
	assert.False(t, c.Delete(k))
	assert.Zero(t, c.Prune())
	assert.Zero(t, c.Len())
	assert.Zero(t, c.Shards())
	assert.Zero(t, c.ShardOf(k))
	assert.Equal(t, Stats{}, c.Stats())
	for range c.All() {
		t.Fatal("the zero Cache yields nothing")
	}
	assert.NoError(t, c.Close())
	assert.NoError(t, c.Close())
	_, err = c.Get(Key{})
	assert.True(t, errors.Is(err, ErrInvalidKey), "a key with no channel is still named as invalid")
}
