package main

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The latency histograms record nanoseconds from 1 ns to 10 s with three
// significant digits (0.1% resolution); about 200 KB each. A slower call is
// recorded as 10 s: at that point the exact figure no longer matters.
const (
	latencyLowestNs          = 1
	latencyHighestNs         = int64(10 * time.Second)
	latencySignificantDigits = 3
)

func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(latencyLowestNs, latencyHighestNs, latencySignificantDigits)
}

// recordLatency adds one measurement, clamped into the histogram's range.
func recordLatency(h *hdrhistogram.Histogram, elapsed time.Duration) {
	ns := min(max(int64(elapsed), latencyLowestNs), latencyHighestNs)
	// In range by the clamp above, so RecordValue cannot fail.
	_ = h.RecordValue(ns)
}

// LatencySummary is the distribution of the timed calls of one operation, in
// nanoseconds. Each figure includes the two clock reads around the call
// (Sampling.ClockReadNs each).
type LatencySummary struct {
	Samples int64   `json:"samples"`
	Mean    float64 `json:"mean_ns"`
	P50     int64   `json:"p50_ns"`
	P90     int64   `json:"p90_ns"`
	P99     int64   `json:"p99_ns"`
	P999    int64   `json:"p99_9_ns"`
	Max     int64   `json:"max_ns"`
}

// summarizeLatency reads the percentiles of h. An empty histogram gives an
// all-zero summary.
func summarizeLatency(h *hdrhistogram.Histogram) LatencySummary {
	if h.TotalCount() == 0 {
		return LatencySummary{}
	}
	return LatencySummary{
		Samples: h.TotalCount(),
		Mean:    h.Mean(),
		P50:     h.ValueAtQuantile(50),
		P90:     h.ValueAtQuantile(90),
		P99:     h.ValueAtQuantile(99),
		P999:    h.ValueAtQuantile(99.9),
		Max:     h.Max(),
	}
}

// stopwatch reads the monotonic clock as a duration since its creation:
// time.Since on a time that carries a monotonic reading reads only the
// monotonic clock, which is cheaper than time.Now.
type stopwatch struct {
	origin time.Time
}

func newStopwatch() stopwatch {
	return stopwatch{origin: time.Now()}
}

// now returns the time elapsed since the stopwatch was created.
func (s stopwatch) now() time.Duration {
	return time.Since(s.origin)
}

// clockReadCalibrationReads is how many back-to-back reads measureClockRead
// averages over: enough to smooth out a preemption, few enough to take a few
// milliseconds.
const clockReadCalibrationReads = 200_000

// measureClockRead returns what one stopwatch read costs on this machine, in
// nanoseconds. A timed operation pays two, and its recorded latency includes
// them; the figure tells how much of a latency is the measurement itself and
// why only one call in Config.SampleEvery is timed.
func measureClockRead() float64 {
	watch := newStopwatch()
	start := watch.now()
	var last time.Duration
	for range clockReadCalibrationReads {
		last = watch.now()
	}
	return float64(last-start) / clockReadCalibrationReads
}
