package routecache

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSegmentShift(t *testing.T) {
	tests := []struct {
		ttl  time.Duration
		want uint
	}{
		{time.Nanosecond, minSegmentShift},
		{time.Millisecond, minSegmentShift},
		{64 << 20, 20},          // ttl/64 is exactly 2^20
		{64<<20 + 64, 20},       // just above: still 2^20
		{64<<21 - 1, 20},        // just below 2^21
		{30 * time.Minute, 34},  // 28.1 s → 2^34 ns = 17.2 s
		{math.MaxInt64, 62 - 6}, // ttl/64 < 2^57
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, segmentShift(tt.ttl), "ttl %v", tt.ttl)
	}
}

func TestTTLBoundary(t *testing.T) {
	c, clk, log := newTestCache(t, Config[string]{TTL: time.Minute})
	k := key("r", "")
	require.NoError(t, c.Set(k, "a"))

	clk.Advance(time.Minute - time.Nanosecond)
	rec, err := c.Get(k)
	require.NoError(t, err, "alive one nanosecond before ExpiresAt")
	assert.True(t, rec.ExpiresAt.Equal(t0.Add(time.Minute)))
	res, err := c.Resolve(k)
	require.NoError(t, err)
	assert.Equal(t, SourceExact, res.Source)

	clk.Advance(time.Nanosecond)
	_, err = c.Get(k)
	assert.ErrorIs(t, err, ErrExpired, "expired at ExpiresAt")
	_, err = c.Get(k)
	assert.ErrorIs(t, err, ErrNotFound, "reported expired once, then gone")
	assert.Equal(t, []evictEvent{{k, "a", EvictExpired}}, log.take())
	st := c.Stats()
	assert.Equal(t, uint64(1), st.Stale)
	assert.Equal(t, uint64(1), st.Expirations)
	assert.Equal(t, uint64(2), st.Misses)
	assert.Equal(t, 0, c.Len())
}

func TestPerEntryTTL(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{TTL: time.Minute})
	short, long, dflt := key("short", ""), key("long", ""), key("default", "")
	require.NoError(t, c.SetWithTTL(short, "s", 5*time.Second))
	require.NoError(t, c.SetWithTTL(long, "l", time.Hour))
	require.NoError(t, c.SetWithTTL(dflt, "d", 0))
	for k, ttl := range map[Key]time.Duration{short: 5 * time.Second, long: time.Hour, dflt: time.Minute} {
		rec, err := c.Get(k)
		require.NoError(t, err)
		assert.True(t, rec.ExpiresAt.Equal(t0.Add(ttl)), "%v expires after %v", k, ttl)
	}
	clk.Advance(5 * time.Second)
	assert.Equal(t, 1, c.Prune())
	clk.Advance(time.Minute)
	assert.Equal(t, 1, c.Prune())
	_, err := c.Get(long)
	assert.NoError(t, err)
	clk.Advance(time.Hour)
	assert.Equal(t, 1, c.Prune())
	assert.Equal(t, 0, c.Len())
}

func TestTTLOverflowIsClamped(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{})
	k := key("forever", "")
	clk.Advance(time.Hour) // now > epoch, so now+MaxInt64 would overflow
	require.NoError(t, c.SetWithTTL(k, "x", math.MaxInt64))
	rec, err := c.Get(k)
	require.NoError(t, err)
	assert.True(t, rec.ExpiresAt.After(t0.Add(290*365*24*time.Hour)), "far future, not wrapped into the past: %v", rec.ExpiresAt)
	clk.Advance(200 * 365 * 24 * time.Hour)
	assert.Zero(t, c.Prune())
	_, err = c.Get(k)
	assert.NoError(t, err)
}

// Prune removes exactly the entries expired at the time of the call, over
// TTLs that span many segments, the ring's horizon and the overflow heap,
// checked against a plain list of expiries.
func TestPruneRemovesExactlyTheExpired(t *testing.T) {
	c, clk, log := newTestCache(t, Config[string]{TTL: time.Minute, Shards: 3, MaxEntriesPerShard: 1 << 20})
	expiry := map[Key]time.Time{}
	for i := 0; i < 3000; i++ {
		k := key(fmt.Sprint("r", i), "")
		// From 1 ms to ~10 TTLs: within a segment, across segments, beyond
		// the ring.
		ttl := time.Duration(i*i)*time.Microsecond/5 + time.Millisecond
		require.NoError(t, c.SetWithTTL(k, "x", ttl))
		expiry[k] = t0.Add(ttl)
	}
	step := 1700 * time.Millisecond // not aligned with segments
	for clk.Now().Before(t0.Add(11 * time.Minute)) {
		clk.Advance(step)
		now := clk.Now()
		want := 0
		for k, exp := range expiry {
			if !exp.After(now) {
				want++
				delete(expiry, k)
			}
		}
		require.Equal(t, want, c.Prune(), "at %v", now.Sub(t0))
		require.Equal(t, len(expiry), c.Len())
		for _, ev := range log.take() {
			require.Equal(t, EvictExpired, ev.Reason)
		}
	}
	assert.Empty(t, expiry)
}

// A clock that jumps far ahead passes at most one ring of segments.
func TestWheelClockJump(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{TTL: time.Minute})
	for i := 0; i < 100; i++ {
		require.NoError(t, c.SetWithTTL(key(fmt.Sprint("r", i), ""), "x", time.Duration(i+1)*time.Minute))
	}
	clk.Advance(100 * 365 * 24 * time.Hour)
	assert.Equal(t, 100, c.Prune())
	require.NoError(t, c.Set(key("after", ""), "y"), "the ring works after the jump")
	clk.Advance(time.Minute)
	assert.Equal(t, 1, c.Prune())
}

// A clock set backwards files new writes with the oldest segment; they
// still expire exactly when their TTL says.
func TestWheelClockBackwards(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{TTL: time.Minute})
	clk.Advance(10 * time.Minute)
	c.Prune() // the ring's base moves to the new now
	clk.Set(t0)
	k := key("back", "")
	require.NoError(t, c.Set(k, "x"))
	rec, err := c.Get(k)
	require.NoError(t, err)
	assert.True(t, rec.ExpiresAt.Equal(t0.Add(time.Minute)))
	assert.Zero(t, c.Prune(), "not yet expired on the clock that was set back")
	clk.Advance(time.Minute)
	assert.Equal(t, 1, c.Prune())
}

// expiryProbe is a route that knows a time by which its entry has surely
// expired: the time its Set returned plus its TTL. A lookup that serves it
// after that time has served an expired route.
type expiryProbe struct {
	expiredBy atomic.Int64 // ns since the test's start; 0 until the Set returned
}

// exactExpiryRun drives Get, Resolve and All on short-lived routes from
// many goroutines on the real clock, and counts every answer that served a
// route whose expiry lies at or before the time the call began.
type exactExpiryRun struct {
	t          *testing.T
	c          *Cache[*expiryProbe]
	start      time.Time
	keys       []Key
	violations atomic.Int64
	checked    atomic.Int64
}

func (r *exactExpiryRun) since() int64 { return int64(time.Since(r.start)) }

func (r *exactExpiryRun) worker(seed uint64, until time.Time) {
	rng := rand.New(rand.NewPCG(seed, 9))
	for time.Now().Before(until) {
		k := r.keys[rng.IntN(len(r.keys))]
		switch rng.IntN(10) {
		case 0, 1:
			ttl := time.Duration(1+rng.IntN(10)) * time.Millisecond
			p := &expiryProbe{}
			if r.c.SetWithTTL(k, p, ttl) == nil {
				p.expiredBy.Store(r.since() + int64(ttl))
			}
		case 2, 3, 4, 5:
			before := time.Now()
			rec, err := r.c.Get(k)
			if err == nil {
				r.checked.Add(1)
				if !rec.ExpiresAt.After(before) {
					r.violations.Add(1)
				}
			}
		case 6, 7, 8, 9:
			before := r.since()
			res, err := r.c.Resolve(k)
			if err == nil {
				r.checked.Add(1)
				if by := res.Route.expiredBy.Load(); by != 0 && by <= before {
					r.violations.Add(1)
				}
			}
		}
		if rng.IntN(1000) == 0 { // All walks every entry held: now and then
			before := time.Now()
			for _, rec := range r.c.All() {
				r.checked.Add(1)
				if !rec.ExpiresAt.After(before) {
					r.violations.Add(1)
				}
			}
		}
	}
}

// run starts 8 workers (on the test machine's 2 CPUs, saturation) for d.
func (r *exactExpiryRun) run(d time.Duration) {
	until := time.Now().Add(d)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(uint64(g), until)
		}()
	}
	wg.Wait()
	r.t.Logf("%d answers checked, %d served an expired route", r.checked.Load(), r.violations.Load())
	assert.Positive(r.t, r.checked.Load())
	assert.Zero(r.t, r.violations.Load(), "a route was served at or after its expiry")
}

// massExpiryAfter is when the mass-expiry run's routes all expire, after
// the start of their insertion: longer than inserting them takes (about
// 6 µs a route from 4 goroutines on 2 CPUs, map growth and GC included).
func massExpiryAfter() time.Duration {
	return time.Duration(bulkSize())*8*time.Microsecond + time.Second
}

// bulkSize is the number of routes the mass-expiry and compaction runs
// hold: the million, scaled down under the race detector.
func bulkSize() int {
	if raceEnabled || testing.Short() {
		return 100_000
	}
	return 1_000_000
}

// Expiry is exact on the real clock whatever else happens: CPU saturation
// (8 goroutines on 2 CPUs) with TTLs of 1–10 ms; an OnEvict that blocks
// for a second on every call of the background sweep; a mass expiry of a
// million routes being swept; compaction of a million stale nodes.
func TestExactExpiryUnderStress(t *testing.T) {
	bulkKey := func(i int) Key { return Key{Channel: "bulk", Bridge: "b", Room: strconv.Itoa(i)} }
	tests := []struct {
		name    string
		onEvict func(Key, *expiryProbe, EvictReason)
		prepare func(t *testing.T, c *Cache[*expiryProbe])
	}{
		{name: "saturated"},
		{
			name: "blocking OnEvict",
			onEvict: func(k Key, _ *expiryProbe, _ EvictReason) {
				if k.Channel == "bulk" {
					time.Sleep(time.Second) // a callback that hangs on the network
				}
			},
			prepare: func(t *testing.T, c *Cache[*expiryProbe]) {
				for i := range 1000 {
					_ = c.SetWithTTL(bulkKey(i), &expiryProbe{}, time.Millisecond)
				}
			},
		},
		{
			// Every bulk route expires at one instant, after they are all
			// in and while the workers run: the sweep of all of them
			// overlaps the run.
			name: "mass expiry",
			prepare: func(t *testing.T, c *Cache[*expiryProbe]) {
				together := time.Now().Add(massExpiryAfter())
				start := time.Now()
				var wg sync.WaitGroup
				for g := range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := g; i < bulkSize(); i += 4 {
							_ = c.SetWithTTL(bulkKey(i), &expiryProbe{}, max(time.Until(together), time.Nanosecond))
						}
					}()
				}
				wg.Wait()
				t.Logf("bulk inserted in %v; expiring together %v later", time.Since(start), time.Until(together))
				time.Sleep(time.Until(together)) // the workers start as the bulk expires
			},
		},
		{
			name: "compaction",
			prepare: func(t *testing.T, c *Cache[*expiryProbe]) {
				n := bulkSize()
				for i := range n {
					_ = c.Set(bulkKey(i%(n/10)), &expiryProbe{}) // 9 stale nodes per entry
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config[*expiryProbe]{
				Shards:             4,
				TTL:                time.Hour,
				MaxEntriesPerShard: 1 << 20,
				PruneInterval:      5 * time.Millisecond,
				OnEvict:            tt.onEvict,
			})
			require.NoError(t, err)
			defer c.Close()
			if tt.prepare != nil {
				tt.prepare(t, c)
			}
			r := &exactExpiryRun{t: t, c: c, start: c.epoch}
			for i := range 64 {
				r.keys = append(r.keys, key(strconv.Itoa(i), ""))
			}
			r.run(300 * time.Millisecond)
		})
	}
}

// Prune removes exactly the expired entries for any mix of per-entry TTLs
// under any default: short TTLs under a long default, and long ones under
// a short default.
func TestPruneMixedTTLs(t *testing.T) {
	for _, tt := range []struct {
		name         string
		defaultTTL   time.Duration
		minTTL, span time.Duration
	}{
		{"short under long default", 30 * time.Minute, time.Millisecond, time.Hour},
		{"long under short default", time.Second, time.Second, 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, clk, _ := newTestCache(t, Config[string]{TTL: tt.defaultTTL, Shards: 4, MaxEntriesPerShard: 1 << 20})
			c.onEvict = nil // nothing to record; the counts are the check
			rng := rand.New(rand.NewPCG(1, 2))
			now := time.Duration(0)
			var expiries []time.Duration
			for i := range 20_000 {
				// Log-uniform: as many 1–10 ms TTLs as 1–10 min ones.
				ttl := tt.minTTL + time.Duration(math.Exp(rng.Float64()*math.Log(float64(tt.span/tt.minTTL))))*tt.minTTL
				require.NoError(t, c.SetWithTTL(key(strconv.Itoa(i), ""), "x", ttl))
				expiries = append(expiries, now+ttl)
			}
			slices.Sort(expiries)
			for len(expiries) > 0 {
				step := time.Duration(rng.Int64N(int64(tt.span / 50)))
				clk.Advance(step)
				now += step
				due, _ := slices.BinarySearch(expiries, now+1)
				require.Equal(t, due, c.Prune(), "at %v", now)
				expiries = expiries[due:]
				require.Equal(t, len(expiries), c.Len())
			}
		})
	}
}
