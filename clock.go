package routecache

import (
	"sync/atomic"
	"time"
)

// Clock tells the cache what time it is. Implementations must be safe for
// concurrent use. The cache measures every age as a difference from the
// Now it read at New, so a Clock whose times carry a monotonic reading (as
// time.Now's do) makes expiry immune to wall-clock jumps.
type Clock interface {
	Now() time.Time
}

// coarseRefresh is how often the default clock is refreshed. Entries may
// live up to this much (plus scheduling delay) longer than their TTL, and
// UpdatedAt may read that much early. BenchmarkClockRead (clock_test.go)
// on the development machine, a kvm-clock virtual machine: time.Now 54 ns,
// time.Since 30 ns, the coarse clock's atomic load 0.3 ns. That is why the
// hot paths read a coarse clock.
const coarseRefresh = time.Millisecond

// coarseClock is the default clock: nanoseconds since the cache's epoch,
// stored by the cache's background goroutine every coarseRefresh and read
// with one atomic load. It follows the monotonic clock, so a wall-clock jump
// neither expires nor revives anything.
type coarseClock struct {
	epoch time.Time    // read once at New; carries the monotonic reading
	nanos atomic.Int64 // time.Since(epoch) at the last refresh; written only by refresh
}

func newCoarseClock() *coarseClock {
	return &coarseClock{epoch: time.Now()}
}

// refresh stores the current monotonic age. The stored value never runs
// ahead of real time and never goes backwards: time.Since on a time with a
// monotonic reading is monotonic.
func (c *coarseClock) refresh() {
	c.nanos.Store(int64(time.Since(c.epoch)))
}

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

// Advance moves the clock forward by d (backward if d is negative).
func (f *FakeClock) Advance(d time.Duration) {
	f.offset.Add(int64(d))
}

// Set moves the clock to t, forward or backward. Times more than about 292
// years from the clock's start saturate.
func (f *FakeClock) Set(t time.Time) {
	f.offset.Store(int64(t.Sub(f.start)))
}
