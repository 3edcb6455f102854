package main

import (
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/c41db742/routecache"
)

// outcomes classifies what the lookups (Resolve and Get) of one worker
// answered. Every lookup counts in exactly one of exact, room, fallback and
// miss.
type outcomes struct {
	exact    uint64 // a live route for the key itself
	room     uint64 // Resolve answered with the thread's room route
	fallback uint64 // Resolve answered with the supplied fallback
	miss     uint64 // Get found nothing live, or Resolve had no route
	stale    uint64 // an expired entry was met on the way (also counted above)
}

func (o *outcomes) add(other outcomes) {
	o.exact += other.exact
	o.room += other.room
	o.fallback += other.fallback
	o.miss += other.miss
	o.stale += other.stale
}

// progressEvery is how many operations a worker runs between publishing its
// count and looking at the stop flag: rare enough to cost nothing measurable,
// often enough that a stop takes microseconds.
const progressEvery = 256

// worker issues operations on the cache from one goroutine. Everything but
// progress is owned by that goroutine until run returns, so counting and
// latency recording never contend; the totals are merged afterwards.
type worker struct {
	cache       *routecache.Cache[string]
	population  *population
	picker      *picker
	random      *rand.Rand
	popularity  *rand.Zipf // draws from the whole population
	regulars    *rand.Zipf // draws from the regulars: the head of the same ranking
	sessions    uint64
	wave        wave
	watch       stopwatch
	startedAt   time.Duration // watch reading at the start of the run, set before run
	deadline    time.Duration // watch reading at which run returns, set before run
	sampleEvery int
	bursting    bool // whether the traffic is in a burst, updated every progressEvery operations

	counts   [operationCount]uint64 // operations issued
	failures [operationCount]uint64 // operations that failed in a way the workload never causes
	outcomes outcomes
	latency  [operationCount]*hdrhistogram.Histogram
	timed    uint64 // operations whose latency was recorded

	// progress is the worker's operation count, published every
	// progressEvery operations for the status line: the only field another
	// goroutine reads while run is going. The padding keeps it off the cache
	// line of the next worker's fields.
	progress atomic.Uint64
	_        [56]byte
}

// newWorker prepares worker number index: its own random streams, derived
// from seed and index so a run is reproducible in what it asks for, and its
// own histograms. The caller sets cache, startedAt and deadline before run.
func newWorker(index int, cfg Config, pop *population, pick *picker, watch stopwatch) *worker {
	random := rand.New(rand.NewPCG(cfg.Seed, uint64(index)+1))
	w := &worker{
		population:  pop,
		picker:      pick,
		random:      random,
		popularity:  rand.NewZipf(random, cfg.Zipf, 1, uint64(cfg.Sessions-1)),
		regulars:    rand.NewZipf(random, cfg.Zipf, 1, uint64(cfg.regulars()-1)),
		sessions:    uint64(cfg.Sessions),
		wave:        cfg.wave(),
		watch:       watch,
		sampleEvery: cfg.SampleEvery,
	}
	for op := range w.latency {
		w.latency[op] = newLatencyHistogram()
	}
	return w
}

// run issues operations until the deadline passes or stop is set. Each
// worker watches the deadline itself, so the run ends on time even when the
// goroutine that would tell it to stop waits for a processor. One operation
// in sampleEvery is timed: reading the clock costs about as much as a cache hit, so timing
// every call would measure the clock as much as the cache.
func (w *worker) run(stop *atomic.Bool) {
	untilTimed := w.sampleEvery
	var done uint64
	w.bursting = w.wave.bursting(0)
	for {
		op := w.picker.pick(w.random.Uint32())
		session := w.nextSession()
		untilTimed--
		if untilTimed == 0 {
			untilTimed = w.sampleEvery
			start := w.watch.now()
			w.do(op, session)
			recordLatency(w.latency[op], w.watch.now()-start)
			w.timed++
		} else {
			w.do(op, session)
		}
		w.counts[op]++
		done++
		if done%progressEvery == 0 {
			w.progress.Store(done)
			// One clock read per progressEvery operations: a stop is seen
			// within microseconds, and the phase of the wave changes every
			// few hundred milliseconds at most.
			now := w.watch.now()
			if stop.Load() || now >= w.deadline {
				return
			}
			w.bursting = w.wave.bursting(now - w.startedAt)
		}
	}
}

// newcomerBelow is the threshold under which a 32-bit draw makes a burst's
// next session a newcomer.
const newcomerBelow = uint32(burstNewcomerShare * (1 << 32))

// nextSession draws the session of the next operation according to the wave:
// between bursts a regular; in a burst a newcomer drawn uniformly from the
// whole population, or a draw of its usual popularity. Without bursts, every
// draw is of the whole population's popularity.
func (w *worker) nextSession() int {
	switch {
	case w.wave.every == 0:
		return int(w.popularity.Uint64())
	case !w.bursting:
		return int(w.regulars.Uint64())
	case w.random.Uint32() < newcomerBelow:
		return int(w.random.Uint64N(w.sessions))
	}
	return int(w.popularity.Uint64())
}

// do issues one operation on session and classifies its answer.
func (w *worker) do(op operation, session int) {
	switch op {
	case opResolve:
		resolution, err := w.cache.Resolve(w.population.key(session), w.population.fallbackRoute(session))
		w.countResolve(resolution, err)
	case opGet:
		_, err := w.cache.Get(w.population.key(session))
		w.countGet(err)
	case opSet:
		if err := w.cache.Set(w.population.key(session), w.population.currentRoute(session)); err != nil {
			w.failures[opSet]++
		}
	case opMove:
		room, route := w.population.move(w.population.roomOf(session), w.random.Uint32())
		if err := w.cache.Set(room, route); err != nil {
			w.failures[opMove]++
		}
	case opDelete:
		// Whether an entry was there to delete is the cache's business:
		// ending a conversation whose route already lapsed is normal.
		w.cache.Delete(w.population.key(session))
	}
}

func (w *worker) countResolve(resolution routecache.Resolution[string], err error) {
	switch {
	case errors.Is(err, routecache.ErrNoRoute):
		w.outcomes.miss++
		return
	case err != nil:
		w.failures[opResolve]++
		return
	}
	switch resolution.Source {
	case routecache.SourceExact:
		w.outcomes.exact++
	case routecache.SourceRoom:
		w.outcomes.room++
	case routecache.SourceFallback:
		w.outcomes.fallback++
	default:
		w.failures[opResolve]++
		return
	}
	if resolution.Stale {
		w.outcomes.stale++
	}
}

func (w *worker) countGet(err error) {
	switch {
	case err == nil:
		w.outcomes.exact++
	case errors.Is(err, routecache.ErrExpired):
		w.outcomes.miss++
		w.outcomes.stale++
	case errors.Is(err, routecache.ErrNotFound):
		w.outcomes.miss++
	default:
		w.failures[opGet]++
	}
}
