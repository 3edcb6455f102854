package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/c41db742/routecache"
)

// statusLine prints one line per interval while a run goes: elapsed time,
// the traffic's phase, throughput and how lookups were answered over the
// last interval, and the cache's entries, evictions and expirations so far.
// It reads the workers' published progress and the cache's Stats only.
type statusLine struct {
	out      io.Writer
	cache    *routecache.Cache[string]
	workers  []*worker
	duration time.Duration
	wave     wave
	start    time.Time

	// The previous line's readings, owned by the goroutine running loop.
	previousAt    time.Time
	previousOps   uint64
	previousStats routecache.Stats
}

// loop prints a line every interval until ctx is done.
func (s *statusLine) loop(ctx context.Context, interval time.Duration) {
	s.previousAt = s.start
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
	lookups := lookupsOf(stats, s.previousStats)
	elapsed := now.Sub(s.start)
	fmt.Fprintf(s.out, "%5.1fs/%s  %-6s %9.0f ops/s  exact %4.1f%%  room %4.1f%%  fallback %4.1f%%  miss %4.1f%%  entries %d  evictions %d  expirations %d\n",
		elapsed.Seconds(), s.duration, s.phase(s.previousAt.Sub(s.start), elapsed),
		float64(ops-s.previousOps)/now.Sub(s.previousAt).Seconds(),
		100*lookups.Exact, 100*lookups.Room, 100*lookups.Fallback, 100*lookups.Miss,
		stats.Entries, stats.Evictions, stats.Expirations)
	s.previousAt, s.previousOps, s.previousStats = now, ops, stats
}

// phase names the traffic of the span [from, to) of the run: steady without
// bursts; else burst when a burst covers a tenth of it or more, so a line
// that merely touches the start of the next burst says calm.
func (s *statusLine) phase(from, to time.Duration) string {
	switch {
	case s.wave.every == 0:
		return "steady"
	case 10*s.wave.burstTime(from, to) >= to-from:
		return "burst"
	}
	return "calm"
}
