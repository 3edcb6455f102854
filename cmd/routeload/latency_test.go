package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSummarizeLatencyReadsPercentiles(t *testing.T) {
	h := newLatencyHistogram()
	for ns := 1; ns <= 10_000; ns++ {
		recordLatency(h, time.Duration(ns))
	}
	s := summarizeLatency(h)
	assert.Equal(t, int64(10_000), s.Samples)
	// Three significant digits: each figure is within 0.1% of the exact one.
	assert.InEpsilon(t, 5_000, s.P50, 0.001)
	assert.InEpsilon(t, 9_000, s.P90, 0.001)
	assert.InEpsilon(t, 9_900, s.P99, 0.001)
	assert.InEpsilon(t, 9_990, s.P999, 0.001)
	assert.InEpsilon(t, 10_000, s.Max, 0.001)
	assert.InEpsilon(t, 5_000.5, s.Mean, 0.001)
}

func TestSummarizeLatencyOfNothingIsZero(t *testing.T) {
	assert.Equal(t, LatencySummary{}, summarizeLatency(newLatencyHistogram()))
}

func TestRecordLatencyClampsIntoRange(t *testing.T) {
	h := newLatencyHistogram()
	recordLatency(h, 0)
	recordLatency(h, -time.Second)
	recordLatency(h, time.Hour)
	s := summarizeLatency(h)
	assert.Equal(t, int64(3), s.Samples, "nothing is dropped")
	assert.Equal(t, int64(latencyLowestNs), h.Min())
	assert.True(t, h.ValuesAreEquivalent(latencyHighestNs, s.Max), "an hour is recorded as the highest value")
}
