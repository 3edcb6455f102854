package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shortRunConfig is the default workload shrunk to a one-second run: the same
// shape (Zipf popularity, rooms with threads, the default mix, regulars that
// fill half the capacity, bursts of newcomers), scaled so that the outcome
// does not depend on the machine's speed. Two bursts of 200 ms each bring
// thousands of newcomers even at a few thousand operations a second, far
// more than the 256 entries the cache holds: entries are evicted. Between
// them, 300 ms of calm is three TTLs: the regulars' routes expire.
func shortRunConfig() Config {
	cfg := defaultConfig()
	cfg.Duration = time.Second
	cfg.Workers = 2
	cfg.Sessions = 50_000
	cfg.RoomsPerBridge = 100
	cfg.BurstEvery = 500 * time.Millisecond
	cfg.BurstLength = 200 * time.Millisecond
	cfg.TTL = 100 * time.Millisecond
	cfg.PruneInterval = 10 * time.Millisecond
	cfg.Shards = 4
	cfg.Capacity = 64
	cfg.SampleEvery = 4
	cfg.StatusInterval = 200 * time.Millisecond
	return cfg
}

func TestRunReportIsConsistent(t *testing.T) {
	cfg := shortRunConfig()
	var status bytes.Buffer
	report, err := run(context.Background(), cfg, &status)
	require.NoError(t, err)

	assert.False(t, report.Interrupted)
	assert.GreaterOrEqual(t, report.ElapsedSeconds, cfg.Duration.Seconds(), "the run lasts its duration")
	require.NotZero(t, report.TotalOps)
	assert.InEpsilon(t, float64(report.TotalOps)/report.ElapsedSeconds, report.OpsPerSecond, 1e-9)

	// Every operation counted once, in exactly one row.
	require.Len(t, report.Operations, int(operationCount))
	var total, samples uint64
	var shareSum float64
	counts := map[string]uint64{}
	for _, op := range report.Operations {
		total += op.Count
		samples += uint64(op.Latency.Samples)
		shareSum += op.Share
		counts[op.Name] = op.Count
		assert.Zero(t, op.Failures, "%s: the workload provokes no error", op.Name)
		assert.NotZero(t, op.Count, "%s has a share in the default mix", op.Name)
	}
	assert.Equal(t, report.TotalOps, total, "total = sum of the operations")
	assert.InDelta(t, 1, shareSum, 1e-9, "operation shares sum to 1")

	// Latency: one call in SampleEvery, per worker, was timed.
	assert.Equal(t, report.Sampling.TimedOps, samples, "every timed call is in a histogram")
	assert.LessOrEqual(t, samples, report.TotalOps/uint64(cfg.SampleEvery))
	assert.GreaterOrEqual(t, samples, report.TotalOps/uint64(cfg.SampleEvery)-uint64(cfg.Workers))
	assert.Positive(t, report.Sampling.ClockReadNs)
	for _, op := range report.Operations {
		l := op.Latency
		if l.Samples == 0 {
			continue
		}
		assert.Positive(t, l.P50, op.Name)
		assert.LessOrEqual(t, l.P50, l.P90, op.Name)
		assert.LessOrEqual(t, l.P90, l.P99, op.Name)
		assert.LessOrEqual(t, l.P99, l.P999, op.Name)
		assert.LessOrEqual(t, l.P999, l.Max, op.Name)
		assert.LessOrEqual(t, l.Mean, float64(l.Max), op.Name)
	}

	// Lookups: counted = sum of sources, and the cache's Stats agree.
	lookups := report.Lookups
	assert.Equal(t, counts["resolve"]+counts["get"], lookups.Total, "every resolve and get is a lookup")
	assert.Equal(t, lookups.Total, lookups.Exact+lookups.Room+lookups.Fallback+lookups.Miss, "lookups = sum of sources")
	shares := lookups.Shares
	assert.InDelta(t, 1, shares.Exact+shares.Room+shares.Fallback+shares.Miss, 1e-9, "source shares sum to 1")
	assert.NotZero(t, lookups.Exact, "sticky sessions hit")
	assert.NotZero(t, lookups.Room, "threads resolve through their room")
	assert.NotZero(t, lookups.Fallback, "new sessions resolve through the fallback")
	assert.NotZero(t, lookups.Miss, "gets on unknown sessions miss")

	stats := report.Cache
	assert.Equal(t, lookups.Exact, stats.Hits)
	assert.Equal(t, lookups.Room, stats.RoomHits)
	assert.Equal(t, lookups.Fallback, stats.FallbackHits)
	assert.Equal(t, lookups.Miss, stats.Misses)
	assert.Equal(t, counts["set"]+counts["move"], stats.Sets, "Sets counts the set and move calls, not Resolve's stores")
	assert.GreaterOrEqual(t, stats.Stale, lookups.Stale, "a lookup that met expired entries met at least one")

	// Capacity and expiry were exercised.
	assert.Equal(t, cfg.Shards, stats.Shards)
	assert.Equal(t, stats.Shards*stats.MaxEntriesPerShard, stats.Capacity)
	assert.LessOrEqual(t, stats.Entries, stats.Capacity, "entries <= capacity")
	assert.Positive(t, stats.Evictions, "the population outgrows the capacity")
	assert.Positive(t, stats.Expirations, "routes outlive a 100 ms TTL in 300 ms of calm")
	assert.Equal(t, 128, report.Workload.Regulars, "half the capacity")

	assert.InDelta(t, float64(report.Memory.HeapBytes)/float64(stats.Capacity), report.Memory.HeapBytesPerCapacity, 1e-9)
	if stats.Entries > 0 {
		assert.InDelta(t, float64(report.Memory.HeapBytes)/float64(stats.Entries), report.Memory.HeapBytesPerEntry, 1e-9)
	} else {
		assert.Zero(t, report.Memory.HeapBytesPerEntry)
	}

	// The status line: at most one per interval, each one complete.
	lines := strings.Split(strings.TrimSuffix(status.String(), "\n"), "\n")
	require.NotEmpty(t, status.String(), "a 1 s run with a 200 ms status interval prints lines")
	assert.LessOrEqual(t, len(lines), int(cfg.Duration/cfg.StatusInterval))
	for _, line := range lines {
		assert.Regexp(t, `/1s  (burst|calm) `, line)
		for _, part := range []string{"ops/s", "exact", "room", "fallback", "miss", "entries", "evictions", "expirations"} {
			assert.Contains(t, line, part)
		}
	}

	var text bytes.Buffer
	require.NoError(t, report.writeText(&text))
	for _, part := range []string{"throughput:", "latency: 1 call in 4 timed", "every 500ms a burst of 200ms", "p99.9", "resolve", "delete", "lookups", "evictions", "B per entry held", "gc: "} {
		assert.Contains(t, text.String(), part)
	}
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	cfg := shortRunConfig()
	cfg.Duration = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	report, err := run(ctx, cfg, nil)
	require.NoError(t, err)
	assert.True(t, report.Interrupted)
	assert.Less(t, report.ElapsedSeconds, cfg.Duration.Seconds())
	var total uint64
	for _, op := range report.Operations {
		total += op.Count
	}
	assert.Equal(t, report.TotalOps, total)
	assert.Zero(t, report.TotalOps%progressEvery, "each worker stops on a progress boundary")
}

func TestRunRejectsAnInvalidConfig(t *testing.T) {
	cfg := shortRunConfig()
	cfg.Workers = 0
	_, err := run(context.Background(), cfg, nil)
	assert.ErrorIs(t, err, errInvalidConfig)
}
