package bench

import (
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/maypok86/otter/v2"
)

// Settings of the WriterStall workload.
const (
	// stallFreshKeys is how many keys the measured writer cycles through; a
	// power of two.
	stallFreshKeys = 1 << 16
	// stallFillBudget is the time first allowed per entry of the fill: the
	// mass expiry is set that far ahead, plus stallLead, so that nothing
	// expires before the fill is over. A round whose fill overruns it is
	// done again with twice the budget.
	stallFillBudget = 3 * time.Microsecond
	stallLead       = 50 * time.Millisecond
	// stallTimeout ends a round whose cache has not removed the expired
	// entries by then; left/entry then reports what it left.
	stallTimeout = 3 * time.Second
)

// stallCache is what WriterStall needs of a cache: fill entries that expire
// at one instant, write fresh ones with a long TTL, and tell how many
// entries it holds.
type stallCache interface {
	fill(k *benchKey, r *route, expiresAt time.Time)
	set(k *benchKey, r *route)
	held() int
	close()
}

// stallContender is one cache of WriterStall, opened to hold capacity
// entries on the real clock.
type stallContender struct {
	name string
	open func(capacity int) (stallCache, error)
}

func stallContenders() []stallContender {
	return []stallContender{
		{"routecache", openRoutecacheStall},
		{"otter", openOtterStall},
	}
}

// BenchmarkWriterStall measures the latency of single Sets of fresh keys
// while a cache removes BENCH_STALL_ENTRIES entries (1,000,000) that expired
// at the same instant: routecache with its background sweep every 100 ms,
// otter with its own maintenance (a tick a second, and work the writes do).
// Both run on the real clock. One goroutine writes, so on two cores the
// sweep has the other one. Recording starts at the instant of the expiry
// and ends when the cache holds no expired entry any more (or after 3 s).
//
// p99.9-ns and max-ns are the stall a writer sees; sweep-ms is how long the
// removal took after the expiry, left/entry the share of expired entries
// still held at the end. Run it with -benchtime 1x: each iteration fills a
// new cache.
func BenchmarkWriterStall(b *testing.B) {
	cfg := mustConfig(b)
	keys := generateKeys(cfg.stallEntries+stallFreshKeys, cfg.seed+6).keys
	expiring, fresh := keys[:cfg.stallEntries], keys[cfg.stallEntries:]
	routes := generateRoutes()

	for _, c := range stallContenders() {
		b.Run("cache="+c.name, func(b *testing.B) {
			rec := newLatencyRecorder()
			var sweep time.Duration
			left := 0
			budget := stallFillBudget
			for i := 0; i < b.N; {
				cache, err := c.open(holdCapacity(len(keys)))
				if err != nil {
					b.Fatal(err)
				}
				took, remaining, filled := stallRound(b, cache, expiring, fresh, routes, rec, budget)
				cache.close()
				if !filled {
					if budget *= 2; budget > 16*stallFillBudget {
						b.Fatalf("the fill of %d entries outlasted %v per entry", len(expiring), budget/2)
					}
					continue
				}
				sweep += took
				left += remaining
				i++
			}
			rec.report(b)
			b.ReportMetric(float64(sweep.Milliseconds())/float64(b.N), "sweep-ms")
			b.ReportMetric(float64(left)/float64(b.N*len(expiring)), "left/entry")
		})
	}
}

// stallRound fills cache with expiring entries that all expire at one
// instant, budget per entry ahead, writes fresh keys until then, and from
// then on records the latency of each Set until the expired entries are
// gone. It returns how long their removal took and how many were left when
// it gave up, or filled false, having recorded nothing, when the fill
// outlasted its budget.
func stallRound(b *testing.B, cache stallCache, expiring, fresh []benchKey, routes []*route, rec latencyRecorder, budget time.Duration) (took time.Duration, left int, filled bool) {
	b.StopTimer()
	expiresAt := time.Now().Add(stallLead + time.Duration(len(expiring))*budget)
	for i := range expiring {
		cache.fill(&expiring[i], routes[i%routePoolSize], expiresAt)
	}
	if time.Now().After(expiresAt) {
		return 0, 0, false
	}
	n := 0
	for time.Now().Before(expiresAt) {
		cache.set(&fresh[n%stallFreshKeys], routes[n%routePoolSize])
		n++
	}

	b.StartTimer()
	deadline := expiresAt.Add(stallTimeout)
	for {
		for range 256 {
			k, r := &fresh[n%stallFreshKeys], routes[n%routePoolSize]
			start := time.Now()
			cache.set(k, r)
			rec.record(time.Since(start))
			n++
		}
		now := time.Now()
		remaining := cache.held() - min(n, stallFreshKeys)
		if remaining <= 0 || now.After(deadline) {
			b.StopTimer()
			return now.Sub(expiresAt), max(remaining, 0), true
		}
	}
}

// routecacheStall is routecache on its default clock with a background
// sweep every 100 ms; fresh keys take the 1-minute default TTL.
type routecacheStall struct {
	cache *routecache.Cache[*route]
}

func openRoutecacheStall(capacity int) (stallCache, error) {
	shards := defaultShards()
	c, err := routecache.New(routecache.Config[*route]{
		Shards:             shards,
		TTL:                time.Minute,
		MaxEntriesPerShard: (capacity + shards - 1) / shards,
		PruneInterval:      100 * time.Millisecond,
	})
	return routecacheStall{c}, err
}

func (s routecacheStall) fill(k *benchKey, r *route, expiresAt time.Time) {
	_ = s.cache.SetWithTTL(k.key, r, time.Until(expiresAt))
}

func (s routecacheStall) set(k *benchKey, r *route) { _ = s.cache.Set(k.key, r) }
func (s routecacheStall) held() int                 { return s.cache.Len() }
func (s routecacheStall) close()                    { _ = s.cache.Close() }

// otterStall is otter on its default clock with a 1-minute TTL from each
// write; the fill moves each entry's expiry to the common instant with
// SetExpiresAfter.
type otterStall struct {
	cache *otter.Cache[routecache.Key, *route]
}

func openOtterStall(capacity int) (stallCache, error) {
	c, err := otter.New(&otter.Options[routecache.Key, *route]{
		MaximumSize:      capacity,
		ExpiryCalculator: otter.ExpiryWriting[routecache.Key, *route](time.Minute),
	})
	return otterStall{c}, err
}

func (s otterStall) fill(k *benchKey, r *route, expiresAt time.Time) {
	s.cache.Set(k.key, r)
	s.cache.SetExpiresAfter(k.key, time.Until(expiresAt))
}

func (s otterStall) set(k *benchKey, r *route) { s.cache.Set(k.key, r) }
func (s otterStall) held() int                 { return s.cache.EstimatedSize() }
func (s otterStall) close()                    { s.cache.StopAllGoroutines() }
