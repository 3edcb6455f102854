package routecache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCoarseClock(t *testing.T) {
	c := newCoarseClock()
	prev := int64(0)
	for i := 0; i < 1000; i++ {
		c.refresh()
		v := c.nanos.Load()
		assert.GreaterOrEqual(t, v, prev, "never goes backwards")
		assert.LessOrEqual(t, v, int64(time.Since(c.epoch)), "never runs ahead of the monotonic clock")
		prev = v
	}

	cache, err := New(Config[string]{PruneInterval: -1})
	require.NoError(t, err)
	defer cache.Close()
	k := key("r", "")
	require.NoError(t, cache.Set(k, "x"))
	rec, err := cache.Get(k)
	require.NoError(t, err)
	assert.False(t, rec.UpdatedAt.After(time.Now()), "UpdatedAt is never in the future")
	assert.Equal(t, rec.UpdatedAt.Add(DefaultTTL), rec.ExpiresAt)
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

// BenchmarkClockRead compares what the hot paths pay for the time: the
// default coarse clock's atomic load against time.Now and time.Since.
func BenchmarkClockRead(b *testing.B) {
	c := newCoarseClock()
	c.refresh()
	var sink int64
	b.Run("coarse", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += c.nanos.Load()
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
	_ = sink
}
