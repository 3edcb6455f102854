//go:build go1.25

package routecache

import (
	"os"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cache created in a synctest bubble lives on the bubble's fake time:
// sleeping past a TTL expires the route, Prune and OnEvict work there, and
// the background work runs a handful of times rather than once per
// millisecond of fake time, so the test takes well under a second of real
// time.
func TestSynctestBubble(t *testing.T) {
	began := time.Now()
	synctest.Test(t, func(t *testing.T) {
		log := &evictLog{}
		c, err := New(Config[string]{TTL: 30 * time.Minute, OnEvict: log.record})
		require.NoError(t, err)
		defer c.Close()

		k := key("r", "")
		// Off the sweeper's 30 s ticks, so the expiries below never fall on
		// one: what finds an expired route is the call the test makes.
		time.Sleep(10 * time.Second)
		require.NoError(t, c.Set(k, "x"))
		time.Sleep(30*time.Minute - time.Nanosecond)
		_, err = c.Get(k)
		require.NoError(t, err, "alive a nanosecond before its expiry")
		time.Sleep(time.Nanosecond)
		_, err = c.Get(k)
		assert.ErrorIs(t, err, ErrExpired)
		assert.Equal(t, []evictEvent{{k, "x", EvictExpired}}, log.take())

		// 61 s: the expiry falls between two of the sweeper's ticks, so it
		// is this Prune that finds the route, not the sweeper.
		require.NoError(t, c.SetWithTTL(k, "y", 61*time.Second))
		time.Sleep(61 * time.Second)
		assert.Equal(t, 1, c.Prune())
		assert.Equal(t, []evictEvent{{k, "y", EvictExpired}}, log.take())

		// The background sweep, every 30 s of fake time, removes a route
		// nobody looks up.
		require.NoError(t, c.SetWithTTL(k, "z", time.Second))
		time.Sleep(31 * time.Second)
		synctest.Wait()
		assert.Equal(t, []evictEvent{{k, "z", EvictExpired}}, log.take())
		assert.Zero(t, c.Len())

		loops := c.refresherWakeups.Load() + c.sweeperWakeups.Load()
		t.Logf("background iterations over %v of fake time: %d", 32*time.Minute+10*time.Second, loops)
		assert.Less(t, loops, uint64(4*parkAfter), "the refresher parks; the sweeper ticks every 30 s")
	})
	// The bound on the loops above is what keeps this fast; the real time
	// is reported, not asserted.
	t.Logf("real time taken: %v", time.Since(began))
}

// An idle cache, one nobody calls, wakes its process at most once per
// PruneInterval: the refresher parks one second after the last call, and
// the sweeper ticks once per interval. Counted over 100 caches in a
// bubble, so fake time runs the ten intervals at once.
func TestIdleCachesSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const caches, intervals = 100, 10
		var all []*Cache[string]
		for range caches {
			c, err := New(Config[string]{})
			require.NoError(t, err)
			defer c.Close()
			require.NoError(t, c.Set(key("r", ""), "x")) // used once: the refresher wakes
			_, _ = c.Get(key("r", ""))
			all = append(all, c)
		}
		time.Sleep(2 * time.Second) // the refreshers park
		synctest.Wait()
		before := make([]uint64, caches)
		for i, c := range all {
			before[i] = c.refresherWakeups.Load() + c.sweeperWakeups.Load()
		}
		time.Sleep(intervals * DefaultPruneInterval)
		synctest.Wait()
		for i, c := range all {
			woke := c.refresherWakeups.Load() + c.sweeperWakeups.Load() - before[i]
			assert.LessOrEqual(t, woke, uint64(intervals), "cache %d woke %d times in %d intervals", i, woke, intervals)
		}
	})
}

// TestIdleCPU measures, on the real clock, the CPU that 100 idle caches
// cost the process over 10 s. It is a measurement, not a check: run it
// with ROUTECACHE_IDLE_CPU=1 go test -run TestIdleCPU -v.
func TestIdleCPU(t *testing.T) {
	if os.Getenv("ROUTECACHE_IDLE_CPU") == "" {
		t.Skip("a 12 s measurement; set ROUTECACHE_IDLE_CPU=1 to run it")
	}
	for range 100 {
		c, err := New(Config[string]{})
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.Set(key("r", ""), "x"))
	}
	time.Sleep(2 * time.Second) // past the refreshers' last second of activity
	cpu := func() time.Duration {
		var u syscall.Rusage
		require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &u))
		return time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	start := cpu()
	time.Sleep(10 * time.Second)
	t.Logf("100 idle caches: %v of CPU in 10 s", cpu()-start)
}

// newHeldCache returns a cache on the default clock, without a background
// sweep, holding one key, which it returns; the refresher has not been
// woken. Call it inside a synctest bubble.
func newHeldCache(t *testing.T) (*Cache[string], Key) {
	t.Helper()
	c, err := New(Config[string]{PruneInterval: -1})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	k := key("r", "")
	require.NoError(t, c.Set(k, "x"))
	return c, k
}

// A cache in steady use keeps its coarse reading: the refresher does not
// park while lookups go on, so the hot path never falls back to the
// monotonic clock to wake it; once the lookups stop, it parks.
func TestRefresherStaysAwakeWhileUsed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, k := newHeldCache(t)
		_, _ = c.Get(k) // wakes the refresher
		synctest.Wait()
		for i := range 5000 { // five rounds of lookups, one a millisecond
			time.Sleep(time.Millisecond)
			synctest.Wait()
			require.NotEqual(t, coarseUnknown, c.coarse.Load(), "parked after %d ms of lookups", i+1)
			_, _ = c.Get(k)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		assert.Equal(t, coarseUnknown, c.coarse.Load(), "still awake 3 s after the last lookup")
	})
}

// Many lookups that find the refresher parked wake it once: one of them
// sends the wake-up, the refresher runs one round, and it parks again.
func TestOneWakeUpForManyLookups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, k := newHeldCache(t)
		synctest.Wait()
		parked := c.refresherWakeups.Load()
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 100 {
					_, _ = c.Get(k)
				}
			}()
		}
		wg.Wait()
		synctest.Wait()
		assert.NotEqual(t, coarseUnknown, c.coarse.Load(), "the refresher is awake")
		assert.False(t, c.wakePending.Load(), "cleared by the refresher")
		time.Sleep(3 * time.Second)
		synctest.Wait()
		assert.Equal(t, coarseUnknown, c.coarse.Load(), "parked again")
		// One wake-up: one round of parkAfter refreshes, and the wake and
		// the park themselves.
		assert.LessOrEqual(t, c.refresherWakeups.Load()-parked, uint64(parkAfter+2))
	})
}
