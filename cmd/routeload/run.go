package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c41db742/routecache"
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
// population's strings (a few per room), one set of latency histograms per
// worker (about a megabyte), and the cache itself.
func run(ctx context.Context, cfg Config, status io.Writer) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	population := newPopulation(cfg)
	pick := newPicker(cfg.Mix)
	clockRead := measureClockRead()
	watch := newStopwatch()

	// Workers, with their histograms, exist before the heap is read, so
	// that the heap growth measured afterwards is the cache's alone.
	workers := make([]*worker, cfg.Workers)
	for i := range workers {
		workers[i] = newWorker(i, cfg, population, &pick, watch)
	}
	heapBefore := liveHeap()
	pruneInterval := cfg.PruneInterval
	if pruneInterval == 0 {
		pruneInterval = -1 // the core reads 0 as its default; here 0 means none
	}
	cache, err := routecache.New(routecache.Config[string]{
		Shards:             cfg.Shards,
		TTL:                cfg.TTL,
		MaxEntriesPerShard: cfg.capacityPerShard(),
		PruneInterval:      pruneInterval,
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

	for _, w := range workers {
		w.cache = cache
	}

	gcBefore := readGC()
	start := time.Now()
	startedAt := watch.now()
	// The workers stop themselves at the deadline; runCtx ends the status
	// line then, and stops the workers early when ctx is done.
	runCtx, cancel := context.WithDeadline(ctx, start.Add(cfg.Duration))
	defer cancel()
	var stop atomic.Bool
	var running sync.WaitGroup
	for _, w := range workers {
		w.startedAt = startedAt
		w.deadline = startedAt + cfg.Duration
		running.Add(1)
		go func() {
			defer running.Done()
			w.run(&stop)
		}()
	}
	var watching sync.WaitGroup
	watching.Add(1)
	go func() {
		defer watching.Done()
		<-runCtx.Done()
		stop.Store(true)
	}()
	if cfg.StatusInterval > 0 && status != nil {
		line := newStatusLine(status, cache, workers, cfg.Duration, cfg.wave(), start)
		watching.Add(1)
		go func() {
			defer watching.Done()
			line.loop(runCtx, cfg.StatusInterval)
		}()
	}
	running.Wait()
	elapsed := time.Since(start)
	interrupted := ctx.Err() != nil && elapsed < cfg.Duration
	cancel()
	watching.Wait()
	// Closing stops the background sweep, so the report shows the cache as
	// the workers left it rather than as it decays while the report is made.
	// A closed cache keeps its entries and still answers Stats and Len.
	cache.Close()
	stats := cache.Stats()
	gcAfter := readGC()
	heapAfter := liveHeap()
	runtime.KeepAlive(cache)

	measured := measurement{
		cfg:         cfg,
		population:  population,
		workers:     workers,
		elapsed:     elapsed,
		interrupted: interrupted,
		clockReadNs: clockRead,
		stats:       stats,
		shards:      cache.Shards(),
		heapBytes:   int64(heapAfter) - int64(heapBefore),
		gc:          gcBetween(gcBefore, gcAfter),
	}
	return measured.report(), nil
}
