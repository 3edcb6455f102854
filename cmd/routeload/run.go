package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/internal/memstat"
)

// errEmptyRoute is what the cache's Validate says about an empty route: the
// check a proxy makes before trusting an upstream address.
var errEmptyRoute = errors.New("empty upstream")

// run drives the workload cfg describes on a new cache for cfg.Duration, or
// until ctx is done, and returns what it measured. While it runs it writes a
// status line to status every cfg.StatusInterval. An invalid cfg returns an
// error wrapping errInvalidConfig before anything starts.
//
// It costs cfg.Workers goroutines at full speed for the duration, the
// population's strings (a few per room), about a megabyte of latency
// histograms per worker, and the cache itself.
func run(ctx context.Context, cfg Config, status io.Writer) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	cfg = cfg.withDerived()
	population := newPopulation(cfg)
	pick := newPicker(cfg.Mix)
	clockRead := measureClockRead()

	// The workers and their histograms exist before the heap is read, so
	// the heap growth measured afterwards is the cache's alone.
	workers := make([]*worker, cfg.Workers)
	for i := range workers {
		workers[i] = newWorker(i, cfg, population, &pick)
	}
	heapBefore := memstat.LiveHeap()
	cache, err := routecache.New(routecache.Config[string]{
		Shards:             cfg.Shards,
		TTL:                cfg.TTL,
		MaxEntriesPerShard: cfg.Capacity,
		PruneInterval:      cmp.Or(cfg.PruneInterval, -1), // 0 means none here, the default there
		Validate: func(route string) error {
			if route == "" {
				return errEmptyRoute
			}
			return nil
		},
	})
	if err != nil {
		return Report{}, fmt.Errorf("creating the cache: %w", err)
	}
	defer cache.Close()

	var gcBefore, gcAfter debug.GCStats
	debug.ReadGCStats(&gcBefore)
	start := time.Now()
	var running, watching sync.WaitGroup
	for _, w := range workers {
		w.cache = cache
		running.Add(1)
		go func() {
			defer running.Done()
			w.run(ctx, start, cfg.Duration)
		}()
	}
	statusCtx, stopStatus := context.WithCancel(ctx)
	defer stopStatus()
	if cfg.StatusInterval > 0 && status != nil {
		line := &statusLine{out: status, cache: cache, workers: workers, duration: cfg.Duration, wave: cfg.wave(), start: start}
		watching.Add(1)
		go func() {
			defer watching.Done()
			line.loop(statusCtx, cfg.StatusInterval)
		}()
	}
	running.Wait()
	elapsed := time.Since(start)
	stopStatus()
	watching.Wait()
	// Closing stops the background sweep, so the report shows the cache as
	// the workers left it rather than as it decays while the report is made.
	// A closed cache keeps its entries and still answers Stats.
	cache.Close()
	stats := cache.Stats()
	debug.ReadGCStats(&gcAfter)
	heap := int64(memstat.LiveHeap()) - int64(heapBefore)
	runtime.KeepAlive(cache)

	report := newReport(cfg, workers, elapsed, stats)
	report.Interrupted = ctx.Err() != nil && elapsed < cfg.Duration
	report.ClockReadNs = clockRead
	report.HeapBytes = heap
	report.HeapBytesPerCapacity = float64(heap) / float64(cfg.Shards*cfg.Capacity)
	if stats.Entries > 0 {
		report.HeapBytesPerEntry = float64(heap) / float64(stats.Entries)
	}
	report.GC = gcBetween(gcBefore, gcAfter)
	return report, nil
}

// measureClockRead returns what one monotonic clock read, as the workers
// time a call, costs here in nanoseconds, averaged over 200,000 reads. A
// timed call pays two, and its recorded latency includes them.
func measureClockRead() float64 {
	const reads = 200_000
	start := time.Now()
	var last time.Duration
	for range reads {
		last = time.Since(start)
	}
	return float64(last) / reads
}
