package routecache

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The refresher starts parked: a new cache has no coarse reading, every
// check reads the clock, and the first such read wakes the refresher,
// which then keeps the reading close behind the monotonic clock.
func TestCoarseReadingStartsUnknownAndWakes(t *testing.T) {
	c, err := New(Config[string]{PruneInterval: -1})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, int64(coarseUnknown), c.coarse.Load())
	k := key("r", "")
	require.NoError(t, c.Set(k, "x"))
	assert.Equal(t, int64(coarseUnknown), c.coarse.Load(), "writes need no coarse reading")
	_, err = c.Get(k) // a lookup reads the monotonic clock and wakes the refresher
	require.NoError(t, err)
	for c.coarse.Load() == coarseUnknown {
		time.Sleep(time.Millisecond) // waiting for a goroutine to run, not for expiry
	}
	reading := c.coarse.Load()
	assert.LessOrEqual(t, reading, int64(time.Since(c.epoch)), "never ahead of the monotonic clock")
	rec, err := c.Get(k)
	require.NoError(t, err)
	assert.False(t, rec.UpdatedAt.After(time.Now()), "UpdatedAt is never in the future")
	assert.Equal(t, rec.UpdatedAt.Add(DefaultTTL), rec.ExpiresAt)
}

// With a Config.Clock there is no coarse reading: every check asks the
// clock, so a FakeClock decides alone.
func TestConfigClockIsNeverCoarse(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{TTL: time.Hour})
	assert.Equal(t, int64(coarseUnknown), c.coarse.Load())
	assert.Nil(t, c.refresherDone, "no refresher runs")
	assert.True(t, c.alive(int64(time.Hour)))
	clk.Advance(time.Hour)
	assert.False(t, c.alive(int64(time.Hour)), "alive means strictly before the expiry")
}

func TestFakeClock(t *testing.T) {
	f := NewFakeClock(t0)
	assert.True(t, f.Now().Equal(t0))
	f.Advance(time.Second)
	assert.True(t, f.Now().Equal(t0.Add(time.Second)))
	f.Set(t0.Add(-time.Hour))
	assert.True(t, f.Now().Equal(t0.Add(-time.Hour)), "Set may move backwards")
	f.Advance(-time.Minute)
	assert.True(t, f.Now().Equal(t0.Add(-61*time.Minute)))

	var zero FakeClock
	assert.True(t, zero.Now().IsZero())

	done := make(chan struct{})
	go func() {
		for i := 0; i < 1000; i++ {
			f.Advance(time.Millisecond)
		}
		close(done)
	}()
	for i := 0; i < 1000; i++ {
		_ = f.Now()
	}
	<-done
	assert.True(t, f.Now().Equal(t0.Add(-61*time.Minute+time.Second)))
}

// Advance saturates like Set instead of wrapping around: two steps of 200
// years end at the largest offset, not in 1841.
func TestFakeClockAdvanceSaturates(t *testing.T) {
	const years200 = 200 * 365 * 24 * time.Hour
	f := NewFakeClock(t0)
	f.Advance(years200)
	f.Advance(years200)
	assert.Equal(t, t0.Add(math.MaxInt64), f.Now())
	f.Advance(time.Nanosecond)
	assert.Equal(t, t0.Add(math.MaxInt64), f.Now(), "stays saturated")
	f.Advance(-years200)
	f.Advance(-years200)
	f.Advance(-years200)
	assert.Equal(t, t0.Add(math.MinInt64), f.Now())
}

// At the saturated time every held route has expired, the clamped ones
// included, and one Prune removes them all: no horizon computation
// overflows on the way.
func TestPruneAtSaturatedTime(t *testing.T) {
	for _, ttl := range []time.Duration{time.Minute, 30 * time.Minute, math.MaxInt64} {
		c, clk, _ := newTestCache(t, Config[string]{TTL: ttl})
		require.NoError(t, c.SetWithTTL(key("a", ""), "x", time.Second))
		require.NoError(t, c.SetWithTTL(key("b", ""), "x", 100*365*24*time.Hour))
		require.NoError(t, c.SetWithTTL(key("c", ""), "x", math.MaxInt64)) // clamped
		clk.Advance(math.MaxInt64 - 1)
		require.NoError(t, c.SetWithTTL(key("d", ""), "x", time.Minute)) // clamped at the end of time
		clk.Advance(time.Nanosecond)
		assert.Equal(t, 4, c.Prune(), "ttl %v", ttl)
		assert.Equal(t, 0, c.Len())
		clk.Advance(time.Hour)
		assert.Equal(t, 0, c.Prune(), "and nothing goes wrong past it")
	}
}

// BenchmarkClockRead compares what a hit pays for the time: the coarse
// reading's atomic load against time.Now and time.Since, and timeAt, the
// building of one of a Record's two times from the entry's nanoseconds.
func BenchmarkClockRead(b *testing.B) {
	c, err := New(Config[string]{PruneInterval: -1})
	require.NoError(b, err)
	defer c.Close()
	var sink int64
	b.Run("coarse", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += c.coarse.Load()
		}
	})
	b.Run("time.Now", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += time.Now().UnixNano()
		}
	})
	b.Run("time.Since", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += int64(time.Since(c.epoch))
		}
	})
	b.Run("timeAt", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += c.timeAt(int64(i)).UnixNano()
		}
	})
	_ = sink
}
