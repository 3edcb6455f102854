package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// writeText renders r for a person: what ran, the throughput and latency of
// each operation, how lookups were answered, the cache's Stats and memory.
func (r Report) writeText(w io.Writer) error {
	var b strings.Builder
	wl := r.Workload
	fmt.Fprintf(&b, "routeload: %s on %d workers (%d CPUs, GOMAXPROCS %d, %s %s/%s), seed %d",
		seconds(r.ElapsedSeconds), wl.Workers, r.Environment.NumCPU, r.Environment.GOMAXPROCS,
		r.Environment.GoVersion, r.Environment.GOOS, r.Environment.GOARCH, wl.Seed)
	if r.Interrupted {
		b.WriteString(" (interrupted)")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "workload: %s conversations = %s rooms x (room + %d threads), %s bridges of %d rooms over %d channels, %d upstreams, zipf %g\n",
		groupDigits(uint64(wl.Sessions)), groupDigits(uint64(wl.Rooms)), wl.ThreadsPerRoom,
		groupDigits(uint64(wl.Bridges)), wl.RoomsPerBridge, wl.Channels, wl.Upstreams, wl.Zipf)
	if wl.BurstEverySeconds > 0 {
		fmt.Fprintf(&b, "traffic: the %s most popular conversations talk; every %s a burst of %s brings new ones (%.0f%% of its draws)\n",
			groupDigits(uint64(wl.Regulars)), seconds(wl.BurstEverySeconds), seconds(wl.BurstLengthSeconds), 100*wl.BurstNewcomerShare)
	} else {
		b.WriteString("traffic: steady, every draw from the whole population\n")
	}
	mixParts := make([]string, 0, len(r.Operations))
	for _, op := range r.Operations {
		mixParts = append(mixParts, fmt.Sprintf("%s %.3g%%", op.Name, 100*wl.Mix[op.Name]))
	}
	fmt.Fprintf(&b, "mix: %s\n", strings.Join(mixParts, ", "))
	c := r.Cache
	prune := "no background sweep"
	if c.PruneIntervalSeconds > 0 {
		prune = "swept every " + seconds(c.PruneIntervalSeconds)
	}
	fmt.Fprintf(&b, "cache: %d shards x %s entries = %s, TTL %s, %s\n\n",
		c.Shards, groupDigits(uint64(c.MaxEntriesPerShard)), groupDigits(uint64(c.Capacity)), seconds(c.TTLSeconds), prune)

	fmt.Fprintf(&b, "throughput: %s ops in %s = %s ops/s\n",
		groupDigits(r.TotalOps), seconds(r.ElapsedSeconds), humanCount(r.OpsPerSecond))
	fmt.Fprintf(&b, "latency: 1 call in %d timed (%s calls); a clock read costs %.0f ns here and each timed call includes two\n\n",
		r.Sampling.Every, groupDigits(r.Sampling.TimedOps), r.Sampling.ClockReadNs)
	table := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(table, "operation\tops\tshare\tops/s\tp50\tp90\tp99\tp99.9\tmax\tfailures\t")
	for _, op := range r.Operations {
		l := op.Latency
		fmt.Fprintf(table, "%s\t%s\t%.1f%%\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n",
			op.Name, groupDigits(op.Count), 100*op.Share, humanCount(op.OpsPerSecond),
			humanNanos(l.P50), humanNanos(l.P90), humanNanos(l.P99), humanNanos(l.P999), humanNanos(l.Max), op.Failures)
	}
	if err := table.Flush(); err != nil {
		return err
	}

	l := r.Lookups
	fmt.Fprintf(&b, "\nlookups (resolve + get): %s = exact %s + room %s + fallback %s + miss %s; stale %s\n",
		groupDigits(l.Total), percent(l.Exact, l.Total), percent(l.Room, l.Total),
		percent(l.Fallback, l.Total), percent(l.Miss, l.Total), percent(l.Stale, l.Total))
	fmt.Fprintf(&b, "stats: entries %s of %s, sets %s, hits %s, room hits %s, fallback hits %s, misses %s, stale %s, evictions %s, expirations %s\n",
		groupDigits(uint64(c.Entries)), groupDigits(uint64(c.Capacity)), groupDigits(c.Sets), groupDigits(c.Hits),
		groupDigits(c.RoomHits), groupDigits(c.FallbackHits), groupDigits(c.Misses), groupDigits(c.Stale),
		groupDigits(c.Evictions), groupDigits(c.Expirations))
	m := r.Memory
	fmt.Fprintf(&b, "memory: %s of heap = %.0f B per entry held (%s), %.0f B per entry of capacity\n",
		humanBytes(m.HeapBytes), m.HeapBytesPerEntry, groupDigits(uint64(c.Entries)), m.HeapBytesPerCapacity)
	fmt.Fprintf(&b, "gc: %d collections during the run, pauses %s in total, %s the longest\n",
		m.GC.Cycles, humanNanos(m.GC.PauseTotal), humanNanos(m.GC.PauseMax))
	_, err := io.WriteString(w, b.String())
	return err
}
