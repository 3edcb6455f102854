package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/c41db742/routecache"
)

// statusLine prints one line per interval while a run goes: elapsed time,
// the traffic's phase, throughput and lookup shares over the last interval,
// and the cache's size, evictions and expirations so far. It reads the workers' published counts
// and the cache's Stats, never a worker's private fields.
type statusLine struct {
	out      io.Writer
	cache    *routecache.Cache[string]
	workers  []*worker
	duration time.Duration
	wave     wave
	start    time.Time

	// Readings of the previous line, owned by the goroutine running loop.
	previousAt    time.Time
	previousOps   uint64
	previousStats routecache.Stats
}

func newStatusLine(out io.Writer, cache *routecache.Cache[string], workers []*worker, duration time.Duration, traffic wave, start time.Time) *statusLine {
	return &statusLine{out: out, cache: cache, workers: workers, duration: duration, wave: traffic, start: start, previousAt: start}
}

// loop prints a line every interval until ctx is done.
func (s *statusLine) loop(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			s.print(now)
		}
	}
}

func (s *statusLine) print(now time.Time) {
	var ops uint64
	for _, w := range s.workers {
		ops += w.progress.Load()
	}
	stats := s.cache.Stats()
	interval := now.Sub(s.previousAt).Seconds()
	exact := stats.Hits - s.previousStats.Hits
	room := stats.RoomHits - s.previousStats.RoomHits
	fallback := stats.FallbackHits - s.previousStats.FallbackHits
	miss := stats.Misses - s.previousStats.Misses
	lookups := exact + room + fallback + miss
	elapsed := now.Sub(s.start)
	phase := s.phase(s.previousAt.Sub(s.start), elapsed)
	fmt.Fprintf(s.out, "%5.1fs/%s  %-6s %9s ops/s  exact %5s  room %5s  fallback %5s  miss %5s  entries %s  evictions %s  expirations %s\n",
		elapsed.Seconds(), s.duration, phase,
		humanCount(float64(ops-s.previousOps)/interval),
		percent(exact, lookups), percent(room, lookups), percent(fallback, lookups), percent(miss, lookups),
		groupDigits(uint64(stats.Entries)), humanCount(float64(stats.Evictions)), humanCount(float64(stats.Expirations)))
	s.previousAt, s.previousOps, s.previousStats = now, ops, stats
}

// burstPhaseShare is the part of an interval a burst must cover for the
// interval's line to say burst: a line whose interval merely touches the
// start of the next burst says calm.
const burstPhaseShare = 0.1

// phase names the traffic of the interval [from, to) of the run, which the
// line's figures cover: steady without bursts, else burst or calm.
func (s *statusLine) phase(from, to time.Duration) string {
	switch {
	case s.wave.every == 0:
		return "steady"
	case float64(s.wave.burstTime(from, to)) >= burstPhaseShare*float64(to-from):
		return "burst"
	}
	return "calm"
}
