package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/maypok86/otter/v2"
)

// herdLoadCost is what one question to the authoritative source costs.
const herdLoadCost = time.Millisecond

// herdTTL is the hot key's lifetime. Time is fake on both caches: each
// round moves it past the TTL, so the key expires at the instant the round
// begins and no round waits for it.
const herdTTL = time.Minute

// herdStrategy is one way to answer a herd of lookups of one key: get
// answers one caller, loading the route with load when the cache misses.
type herdStrategy struct {
	name string
	// open builds the cache for a run; expire makes the hot key's route
	// expire, and get answers one lookup.
	open func(load func() *route) (get func(routecache.Key) *route, expire func(), closeCache func())
}

func herdStrategies() []herdStrategy {
	return []herdStrategy{
		{name: "resolvewith", open: openHerdResolveWith},
		{name: "resolve-then-set", open: openHerdResolveThenSet},
		{name: "otter-loader", open: openHerdOtter},
	}
}

// BenchmarkHerd is a thundering herd on one expiring hot key: every round,
// the key's route expires and N goroutines ask for it at once, while a load
// from the authoritative source costs herdLoadCost. It compares routecache's
// ResolveWith (one load per key at a time), the plain pattern without it
// (Resolve misses, every caller loads and Sets) and otter v2's Get with a
// Loader (its own single flight).
//
// One op is one round. loads/op is how many times the source was asked per
// round (1 is a single flight; N is the whole herd); the latency quantiles
// are of single lookups, each sample including one clock read.
//
//	cd bench && go test -run '^$' -bench '^BenchmarkHerd$' -benchtime 200x -cpu 2
func BenchmarkHerd(b *testing.B) {
	for _, n := range []int{16, 256, 1024} {
		for _, s := range herdStrategies() {
			b.Run(fmt.Sprintf("n=%d/strategy=%s", n, s.name), func(b *testing.B) {
				benchmarkHerd(b, n, s)
			})
		}
	}
}

func benchmarkHerd(b *testing.B, n int, s herdStrategy) {
	var loads atomic.Int64
	hot := &route{upstream: "worker-7.routes.internal:8443"}
	get, expire, closeCache := s.open(func() *route {
		loads.Add(1)
		time.Sleep(herdLoadCost)
		return hot
	})
	defer closeCache()
	k := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "hot-room"}
	get(k) // the first load is not part of any round

	// Each goroutine keeps its latencies of every round; they are merged
	// into one histogram after the clock stops.
	latencies := make([][]time.Duration, n)
	for g := range latencies {
		latencies[g] = make([]time.Duration, 0, b.N)
	}
	var wrong atomic.Int64
	starts := make([]chan struct{}, n)
	var round sync.WaitGroup
	var workers sync.WaitGroup
	for g := range n {
		starts[g] = make(chan struct{}, 1)
		workers.Add(1)
		go func() {
			defer workers.Done()
			for range starts[g] {
				begin := time.Now()
				r := get(k)
				latencies[g] = append(latencies[g], time.Since(begin))
				if r != hot {
					wrong.Add(1)
				}
				round.Done()
			}
		}()
	}

	loads.Store(0)
	b.ResetTimer()
	for range b.N {
		expire()
		round.Add(n)
		for _, start := range starts {
			start <- struct{}{}
		}
		round.Wait()
	}
	b.StopTimer()
	for _, start := range starts {
		close(start)
	}
	workers.Wait()
	if wrong.Load() > 0 {
		b.Fatalf("%d lookups did not answer the hot route", wrong.Load())
	}

	rec := newLatencyRecorder()
	for _, ls := range latencies {
		for _, d := range ls {
			rec.record(d)
		}
	}
	rec.report(b)
	b.ReportMetric(float64(loads.Load())/float64(b.N), "loads/op")
}

// openHerdResolveWith answers with ResolveWith: one load per expiry.
func openHerdResolveWith(load func() *route) (func(routecache.Key) *route, func(), func()) {
	clock := &herdClock{}
	c := mustHerdCache(clock)
	loader := routecache.Loader[*route](func(context.Context, routecache.Key) (*route, time.Duration, error) {
		return load(), 0, nil
	})
	ctx := context.Background()
	get := func(k routecache.Key) *route {
		res, err := c.ResolveWith(ctx, k, loader)
		if err != nil {
			return nil
		}
		return res.Route
	}
	return get, clock.expire, func() { _ = c.Close() }
}

// openHerdResolveThenSet answers as a caller without ResolveWith must: on
// a miss, load and Set. Every caller that misses before the first Set
// lands asks the source.
func openHerdResolveThenSet(load func() *route) (func(routecache.Key) *route, func(), func()) {
	clock := &herdClock{}
	c := mustHerdCache(clock)
	get := func(k routecache.Key) *route {
		res, err := c.Resolve(k)
		if err == nil {
			return res.Route
		}
		if !errors.Is(err, routecache.ErrNoRoute) {
			return nil
		}
		r := load()
		if c.Set(k, r) != nil {
			return nil
		}
		return r
	}
	return get, clock.expire, func() { _ = c.Close() }
}

func mustHerdCache(clock routecache.Clock) *routecache.Cache[*route] {
	c, err := routecache.New(routecache.Config[*route]{TTL: herdTTL, Clock: clock, PruneInterval: -1})
	if err != nil {
		panic(err)
	}
	return c
}

// openHerdOtter answers with otter's Get and a Loader, with
// ExpiryWriting(herdTTL) on the same kind of fake clock.
func openHerdOtter(load func() *route) (func(routecache.Key) *route, func(), func()) {
	clock := &herdClock{}
	c, err := otter.New(&otter.Options[routecache.Key, *route]{
		MaximumSize:      1024,
		ExpiryCalculator: otter.ExpiryWriting[routecache.Key, *route](herdTTL),
		Clock:            clock,
	})
	if err != nil {
		panic(err)
	}
	loader := otter.LoaderFunc[routecache.Key, *route](func(context.Context, routecache.Key) (*route, error) {
		return load(), nil
	})
	ctx := context.Background()
	get := func(k routecache.Key) *route {
		r, err := c.Get(ctx, k, loader)
		if err != nil {
			return nil
		}
		return r
	}
	return get, clock.expire, func() { c.StopAllGoroutines() }
}

// herdClock is the fake clock of both caches, a routecache.Clock and an
// otter.Clock: time moves only when a round expires the hot key, and a
// reading is one atomic load on either side (routecache's FakeClock takes a
// mutex, which a thousand goroutines reading at once would measure too).
// It never ticks, so otter skips its periodic clean-up.
type herdClock struct {
	now atomic.Int64 // ns since the Unix epoch; written by the round loop only
}

// expire moves the clock a whole TTL on.
func (c *herdClock) expire() { c.now.Add(int64(herdTTL)) }

func (c *herdClock) Now() time.Time                      { return time.Unix(0, c.now.Load()) }
func (c *herdClock) NowNano() int64                      { return c.now.Load() }
func (c *herdClock) Tick(time.Duration) <-chan time.Time { return nil }
