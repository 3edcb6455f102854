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

// shortRunConfig is the default workload shrunk to a one-second run of the
// same shape, scaled so that the outcome does not depend on the machine's
// speed: two bursts of 200 ms bring thousands of newcomers even at a few
// thousand operations a second, far more than the 256 entries the cache
// holds (evictions), and the 300 ms of calm between them is three TTLs
// (expirations).
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
	assert.GreaterOrEqual(t, report.Elapsed, cfg.Duration, "the run lasts its duration")
	assert.Equal(t, 128, report.Config.Regulars, "derived: half the capacity")
	require.NotZero(t, report.Ops)

	counts := map[string]uint64{}
	var total uint64
	var samples int64
	for _, op := range report.Operations {
		total += op.Count
		samples += op.Latency.Samples
		counts[op.Name] = op.Count
		assert.Zero(t, op.Failures, "%s: the workload provokes no error", op.Name)
		assert.NotZero(t, op.Count, "%s has a share in the default mix", op.Name)
		if l := op.Latency; l.Samples > 0 {
			assert.Positive(t, l.P50, op.Name)
			assert.True(t, l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max, "%s: ordered percentiles %+v", op.Name, l)
		}
	}
	assert.Equal(t, report.Ops, total, "total = sum of the operations")
	// One call in SampleEvery, per worker, was timed.
	assert.LessOrEqual(t, uint64(samples), total/uint64(cfg.SampleEvery))
	assert.GreaterOrEqual(t, uint64(samples), total/uint64(cfg.SampleEvery)-uint64(cfg.Workers))

	stats, l := report.Stats, report.Lookups
	assert.Equal(t, counts["resolve"]+counts["get"], stats.Hits+stats.RoomHits+stats.FallbackHits+stats.Misses, "every resolve and get is one lookup")
	assert.Equal(t, counts["set"]+counts["move"], stats.Sets, "Sets counts the set and move calls, not Resolve's stores")
	assert.InDelta(t, 1, l.Exact+l.Room+l.Fallback+l.Miss, 1e-9, "lookup shares sum to 1")
	assert.True(t, l.Exact > 0 && l.Room > 0 && l.Fallback > 0 && l.Miss > 0, "every kind of answer happens: %+v", l)
	assert.LessOrEqual(t, stats.Entries, cfg.Shards*cfg.Capacity, "entries <= capacity")
	assert.Positive(t, stats.Evictions, "the population outgrows the capacity")
	assert.Positive(t, stats.Expirations, "routes outlive a 100 ms TTL in 300 ms of calm")
	assert.InDelta(t, float64(report.HeapBytes)/float64(cfg.Shards*cfg.Capacity), report.HeapBytesPerCapacity, 1e-9)

	// At most one status line per interval, each one complete.
	require.NotEmpty(t, status.String(), "a 1 s run with a 200 ms status interval prints lines")
	lines := strings.Split(strings.TrimSuffix(status.String(), "\n"), "\n")
	assert.LessOrEqual(t, len(lines), int(cfg.Duration/cfg.StatusInterval))
	for _, line := range lines {
		assert.Regexp(t, `/1s  (burst|calm) .* ops/s  exact .* room .* fallback .* miss .* entries \d+  evictions \d+  expirations \d+$`, line)
	}

	var text bytes.Buffer
	require.NoError(t, report.writeText(&text))
	for _, part := range []string{"throughput:", "1 call in 4 timed", "every 500ms a burst of 200ms", "p99.9", "delete", "lookups: exact", "Evictions:", "B per entry held", "gc: "} {
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
	assert.Zero(t, report.Ops%progressEvery, "each worker stops on a progress boundary")
}

func TestRunRejectsAnInvalidConfig(t *testing.T) {
	cfg := shortRunConfig()
	cfg.Workers = 0
	_, err := run(context.Background(), cfg, nil)
	assert.ErrorIs(t, err, errInvalidConfig)
}
