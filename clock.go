package routecache

import (
	"math"
	"runtime"
	"sync/atomic"
	"time"
)

// Clock tells the cache what time it is. Implementations must be safe for
// concurrent use. The cache measures every age as a difference from the
// Now it read at New, so a Clock whose times carry a monotonic reading (as
// time.Now's do) makes expiry immune to wall-clock jumps. With a Clock set,
// the cache calls Now on every operation that needs the time; without one
// it reads the process's monotonic clock (see Cache for how the hot path
// avoids most of those reads).
type Clock interface {
	Now() time.Time
}

// The default clock's coarse reading.
//
// A hit must not serve a route at or past its expiry, and reading the
// monotonic clock (time.Since) costs more than an atomic load, by a wide
// margin on some virtual machines (BenchmarkClockRead in clock_test.go;
// figures in bench/results-notes.md). So the hot path reads an atomic that
// a dedicated goroutine refreshes every coarseRefresh, and trusts it only
// for an entry that expires more than trustWindow after it. The reading is
// a lower bound of the time, and lags it by the refresher's scheduling
// delay: the guarantee rests on the refresher being scheduled often
// enough that no more than trustWindow passes between two of its
// refreshes while it runs. An entry closer to its expiry
// than that is checked against the monotonic clock itself. The refresher
// runs no user code and no work that grows with the data, so nothing the
// cache does, and no callback, can hold it back; only the Go scheduler can.
// It runs in rounds of parkAfter refreshes (about a second) and parks after
// a round in whose second half no lookup was answered; while it is parked
// the reading is coarseUnknown, which sends every check to the monotonic
// clock and wakes it. A cache in steady use keeps its refresher running, so
// its hot path does not fall back to the monotonic clock once a second.
const (
	coarseRefresh = time.Millisecond
	trustWindow   = int64(time.Second)
	parkAfter     = 1000 // refreshes: one second of activity
	// coarseUnknown is the coarse reading while nobody refreshes it: no
	// expiry is more than trustWindow after it, so nothing trusts it.
	coarseUnknown = math.MaxInt64 - trustWindow
)

// FakeClock is a Clock for tests: time stands still until Advance or Set
// moves it. Safe for concurrent use; Now takes no lock. Create it with
// NewFakeClock; the zero FakeClock reads as the zero time.
type FakeClock struct {
	start  time.Time
	offset atomic.Int64 // nanoseconds after start; written by Advance and Set
}

// NewFakeClock returns a FakeClock that reads start until it is moved.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{start: start}
}

// Now returns the clock's current time. Cost: one atomic load.
func (f *FakeClock) Now() time.Time {
	return f.start.Add(time.Duration(f.offset.Load()))
}

// Advance moves the clock forward by d (backward if d is negative). Like
// Set, it saturates about 292 years from the clock's start instead of
// wrapping around.
func (f *FakeClock) Advance(d time.Duration) {
	for {
		old := f.offset.Load()
		if f.offset.CompareAndSwap(old, saturatingAdd(old, int64(d))) {
			return
		}
	}
}

// Set moves the clock to t, forward or backward. Times more than about 292
// years from the clock's start saturate.
func (f *FakeClock) Set(t time.Time) {
	f.offset.Store(int64(t.Sub(f.start)))
}

// saturatingAdd returns a+b, clamped to the int64 range.
func saturatingAdd(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// exactNow returns the time in ns since the cache's epoch, read from the
// Config.Clock or the monotonic clock.
func (c *Cache[V]) exactNow() int64 {
	if c.clock != nil {
		return int64(c.clock.Now().Sub(c.epoch)) // Sub saturates
	}
	return int64(time.Since(c.epoch))
}

// wakeRefresher asks a parked refresher for coarse readings again. Only
// lookups call it: they are what the readings are for, and a sweep or a
// write that woke it would keep an idle cache's refresher busy.
//
// One lookup sends the wake-up and yields its processor, so the refresher
// runs now rather than at the next preemption: with every processor busy,
// a woken refresher could wait up to the scheduler's 10 ms time slice,
// and meanwhile every lookup read the clock and tried the channel. Traces
// of TailLatency (-cpu 2) put 22–36 ms of the reader's 41–61 ms of
// scheduling delay in that send, and the change brought the delay to the
// floor's level (bench/results-notes.md).
func (c *Cache[V]) wakeRefresher() {
	if c.refresherDone == nil {
		return // a Config.Clock: no refresher, no coarse readings
	}
	if c.wakePending.Load() || !c.wakePending.CompareAndSwap(false, true) {
		return // another lookup is waking it
	}
	select {
	case c.wakeUp <- struct{}{}:
	default: // a wake-up is already pending
	}
	runtime.Gosched()
}

// refreshCoarse keeps the coarse reading fresh while the cache is used. It
// runs on its own goroutine, started by New with the default clock, until
// stop is closed.
func (c *Cache[V]) refreshCoarse(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(coarseRefresh)
	defer ticker.Stop()
	for {
		// Parked: nothing refreshes, nothing trusts the reading.
		c.refresherWakeups.Add(1)
		select {
		case <-stop:
			return
		case <-c.wakeUp:
		}
		c.coarse.Store(int64(time.Since(c.epoch)))
		c.wakePending.Store(false)
		ticker.Reset(coarseRefresh)
		// Readers that found the reading unknown before the store above
		// may have queued a wake-up; it is served.
		select {
		case <-c.wakeUp:
		default:
		}
		for busy := true; busy; {
			// Lookups are counted from the middle of the round: the one
			// that woke the refresher counts itself after waking it, and
			// must not keep an otherwise idle cache awake.
			var seen uint64
			for i := range parkAfter {
				if i == parkAfter/2 {
					seen = c.stats.lookups()
				}
				select {
				case <-stop:
					return
				case <-ticker.C:
				}
				c.refresherWakeups.Add(1)
				c.coarse.Store(int64(time.Since(c.epoch)))
			}
			busy = c.stats.lookups() != seen
		}
		ticker.Stop()
		c.coarse.Store(coarseUnknown)
	}
}
