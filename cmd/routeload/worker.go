package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/c41db742/routecache"
)

// progressEvery is how many operations a worker runs between publishing its
// count and looking at the clock and the context: rare enough to cost
// nothing measurable, often enough that a stop takes microseconds.
const progressEvery = 256

// The latency histograms record nanoseconds from 1 ns to 10 s with three
// significant digits, about 200 KB each; a slower call is recorded as 10 s.
const (
	latencyLowest  = 1
	latencyHighest = int64(10 * time.Second)
)

func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(latencyLowest, latencyHighest, 3)
}

// worker issues operations on the cache from one goroutine. Everything but
// progress is owned by that goroutine until run returns, so counting and
// latency recording never contend; the report merges them afterwards.
type worker struct {
	cache      *routecache.Cache[string]
	population *population
	picker     *picker
	random     *rand.Rand
	popularity *rand.Zipf // draws from the whole population
	regulars   *rand.Zipf // draws from the regulars: the head of the same ranking
	sessions   uint64
	wave       wave
	sample     int  // one operation in sample is timed
	bursting   bool // whether the traffic is in a burst, updated every progressEvery operations

	counts   [operationCount]uint64 // operations issued
	failures [operationCount]uint64 // calls that failed in a way the workload never causes
	latency  [operationCount]*hdrhistogram.Histogram

	// progress is the operation count, published every progressEvery
	// operations for the status line: the only field another goroutine reads
	// while run goes. The padding keeps it off the next worker's cache line.
	progress atomic.Uint64
	_        [56]byte
}

// newWorker prepares worker number index with its own random streams,
// derived from the seed and index so a run is reproducible in what it asks
// for, and its own histograms. cfg has its derived values filled in; the
// caller sets cache before run.
func newWorker(index int, cfg Config, pop *population, pick *picker) *worker {
	random := rand.New(rand.NewPCG(cfg.Seed, uint64(index)+1))
	w := &worker{
		population: pop,
		picker:     pick,
		random:     random,
		popularity: rand.NewZipf(random, cfg.Zipf, 1, uint64(cfg.Sessions-1)),
		regulars:   rand.NewZipf(random, cfg.Zipf, 1, uint64(cfg.Regulars-1)),
		sessions:   uint64(cfg.Sessions),
		wave:       cfg.wave(),
		sample:     cfg.SampleEvery,
	}
	for op := range w.latency {
		w.latency[op] = newLatencyHistogram()
	}
	return w
}

// run issues operations from start until duration has passed or ctx is
// done. Each worker watches the clock itself, so the run ends on time even
// when the goroutine that would tell it to stop waits for a processor. One
// call in w.sample is timed: a clock read costs about as much as a cache hit,
// so timing every call would measure the clock as much as the cache.
func (w *worker) run(ctx context.Context, start time.Time, duration time.Duration) {
	untilTimed := w.sample
	var done uint64
	w.bursting = w.wave.bursting(0)
	for {
		op := w.picker.pick(w.random.Uint32())
		session := w.nextSession()
		if untilTimed--; untilTimed == 0 {
			untilTimed = w.sample
			// time.Since on start reads only the monotonic clock, the
			// cheaper half of time.Now.
			began := time.Since(start)
			w.do(op, session)
			took := int64(time.Since(start) - began)
			// Within the histogram's range after the clamp: no error.
			_ = w.latency[op].RecordValue(min(max(took, latencyLowest), latencyHighest))
		} else {
			w.do(op, session)
		}
		w.counts[op]++
		if done++; done%progressEvery == 0 {
			w.progress.Store(done)
			elapsed := time.Since(start)
			select {
			case <-ctx.Done():
				return
			default:
			}
			if elapsed >= duration {
				return
			}
			w.bursting = w.wave.bursting(elapsed)
		}
	}
}

// nextSession draws the session of the next operation: between bursts a
// regular; in a burst, half the time a newcomer drawn uniformly from the
// whole population, else a draw of the usual popularity. Without bursts,
// every draw follows the whole population's popularity.
func (w *worker) nextSession() int {
	switch {
	case w.wave.every == 0:
		return int(w.popularity.Uint64())
	case !w.bursting:
		return int(w.regulars.Uint64())
	case w.random.Uint32() < 1<<31:
		return int(w.random.Uint64N(w.sessions))
	}
	return int(w.popularity.Uint64())
}

// do issues one operation on session and counts a failure the workload
// never provokes. How lookups were answered is the cache's Stats' business.
func (w *worker) do(op operation, session int) {
	var err error
	switch op {
	case opResolve:
		_, err = w.cache.Resolve(w.population.key(session), w.population.fallbackRoute(session))
	case opGet:
		_, err = w.cache.Get(w.population.key(session))
		if errors.Is(err, routecache.ErrNotFound) || errors.Is(err, routecache.ErrExpired) {
			err = nil // a conversation without a live route is normal
		}
	case opSet:
		err = w.cache.Set(w.population.key(session), w.population.currentRoute(session))
	case opMove:
		err = w.cache.Set(w.population.move(w.population.roomOf(session), w.random.Uint32()))
	case opDelete:
		// Ending a conversation whose route already lapsed is normal.
		w.cache.Delete(w.population.key(session))
	}
	if err != nil {
		w.failures[op]++
	}
}
