package routecache

import (
	"fmt"
	"math"
	"slices"
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

// A sweep meets only due nodes: its work grows with what it removes, not
// with what is held.
func TestWheelSweepTouchesOnlyDueNodes(t *testing.T) {
	shift := segmentShift(time.Minute)
	w := newWheel(shift, 0)
	width := int64(1) << shift
	for i := 0; i < 100_000; i++ {
		w.add(node{hash: uint64(i), seq: uint64(i)}, 50*width+int64(i)) // far segments
	}
	for i := 0; i < 10; i++ {
		w.add(node{hash: uint64(i), seq: uint64(1_000_000 + i)}, 3*width+int64(i))
	}
	met := 0
	w.advance(4*width, func(node) { met++ })
	assert.Equal(t, 10, met)
	scanned := 0
	w.scanCurrent(4*width, func(node) (bool, int64) { scanned++; return true, 0 })
	assert.Zero(t, scanned, "the current segment is empty")
	assert.Equal(t, 100_000, w.nodes())
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

// Writes beyond the ring's horizon wait in the overflow heap and are moved
// into the ring as time advances; a Prune at any time removes exactly the
// expired ones.
func TestWheelOverflow(t *testing.T) {
	shift := segmentShift(time.Minute)
	width := int64(1) << shift
	w := newWheel(shift, 0)
	horizon := wheelSlots * width
	w.add(node{seq: 1}, horizon+5*width)
	w.add(node{seq: 2}, horizon-1)
	w.add(node{seq: 3}, 3*horizon)
	assert.Len(t, w.overflow, 2)
	w.advance(6*width, func(node) { t.Fatal("nothing is due") })
	assert.Len(t, w.overflow, 1, "the first overflow write came within the horizon")
	var order []uint64
	for {
		n, ok := w.popEarliest()
		if !ok {
			break
		}
		order = append(order, n.seq)
	}
	assert.Equal(t, []uint64{2, 1, 3}, order, "soonest expiry first, overflow last")
}

// In a segment whose writes came in expiry order, a scan stops at the
// first node that stays; out of order, it checks every node.
func TestScanCurrentStopsEarlyWhenSorted(t *testing.T) {
	shift := segmentShift(time.Minute)
	width := int64(1) << shift
	for _, sorted := range []bool{true, false} {
		w := newWheel(shift, 0)
		base := 5 * width
		for i := 0; i < 1000; i++ {
			exp := base + int64(i)
			if !sorted && i == 500 {
				exp = base // one write out of order
			}
			w.add(node{seq: uint64(i)}, exp)
		}
		w.advance(base, func(node) { t.Fatal("nothing is due before the segment") })
		now := base + 9 // nodes 0..9 have expired
		checked, removed := 0, 0
		w.scanCurrent(now, func(n node) (bool, int64) {
			checked++
			exp := base + int64(n.seq)
			if n.seq == 500 && !sorted {
				exp = base
			}
			if exp <= now {
				removed++
				return false, 0
			}
			return true, exp
		})
		if sorted {
			assert.Equal(t, 10, removed)
			assert.Equal(t, 11, checked, "the removed nodes plus the first that stays")
		} else {
			assert.Equal(t, 11, removed)
			assert.Equal(t, 1000, checked)
		}
		assert.Equal(t, 1000-removed, w.nodes())
		var order []uint64
		for {
			n, ok := w.popEarliest()
			if !ok {
				break
			}
			order = append(order, n.seq)
		}
		assert.Len(t, order, 1000-removed)
		assert.True(t, slices.IsSorted(order), "kept nodes stay in append order")
	}
}
