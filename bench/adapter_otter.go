package bench

import (
	"time"

	"github.com/c41db742/routecache"
	"github.com/maypok86/otter/v2"
)

// otterAdapter drives otter v2 with MaximumSize and ExpiryWriting, the
// options its documentation gives for a bounded cache whose entries live a
// fixed time after each write.
type otterAdapter struct {
	cache *otter.Cache[routecache.Key, *route]
	clock *otter.CoarseClock
}

// openOtter gives otter a CoarseClock of 1 ms resolution. Otter documents it
// as the way to make reads cheaper, and routecache's default clock is coarse
// to the same millisecond, so neither side is charged for a precise clock
// read the other skips.
func openOtter(opts cacheOptions) (cacheUnderTest, error) {
	clock := otter.NewCoarseClock(time.Millisecond)
	c, err := otter.New(&otter.Options[routecache.Key, *route]{
		MaximumSize:      opts.capacity,
		ExpiryCalculator: otter.ExpiryWriting[routecache.Key, *route](opts.ttl),
		Clock:            clock,
	})
	if err != nil {
		clock.Stop()
		return nil, err
	}
	return otterAdapter{cache: c, clock: clock}, nil
}

func (a otterAdapter) Get(k *benchKey) (*route, bool) {
	return a.cache.GetIfPresent(k.key)
}

func (a otterAdapter) Set(k *benchKey, r *route) bool {
	a.cache.Set(k.key, r)
	return true
}

// Settle runs otter's pending maintenance (buffered policy updates and
// evictions) so that a memory measurement sees the settled structure.
func (a otterAdapter) Settle() { a.cache.CleanUp() }

func (a otterAdapter) Close() {
	a.cache.StopAllGoroutines()
	a.clock.Stop()
}
