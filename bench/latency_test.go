package bench

import (
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// latencyRecorder counts single-operation latencies for the tail workloads
// in an HdrHistogram from 1 ns to 10 s at three significant digits (0.1 %),
// about 200 KB each. Recording allocates nothing, so it may sit in a timed
// loop; it is not safe for concurrent use: give each goroutine its own and
// Merge them afterwards.
type latencyRecorder struct {
	*hdrhistogram.Histogram
}

func newLatencyRecorder() latencyRecorder {
	return latencyRecorder{hdrhistogram.New(1, int64(10*time.Second), 3)}
}

// record adds d, clamped into the histogram's range: a call slower than 10 s
// counts as 10 s, where the exact figure no longer matters.
func (r latencyRecorder) record(d time.Duration) {
	// In range by the clamp, so RecordValue cannot fail.
	_ = r.RecordValue(min(max(int64(d), 1), r.HighestTrackableValue()))
}

// report adds the median, the p99, the p99.9 and the maximum to b's results,
// in nanoseconds.
func (r latencyRecorder) report(b *testing.B) {
	b.ReportMetric(float64(r.ValueAtQuantile(50)), "p50-ns")
	b.ReportMetric(float64(r.ValueAtQuantile(99)), "p99-ns")
	b.ReportMetric(float64(r.ValueAtQuantile(99.9)), "p99.9-ns")
	b.ReportMetric(float64(r.Max()), "max-ns")
}

// clockOverhead returns the median of an empty timed section: what one
// latency sample costs with no work inside.
func clockOverhead() time.Duration {
	r := newLatencyRecorder()
	for range 100_000 {
		start := time.Now()
		r.record(time.Since(start))
	}
	return time.Duration(r.ValueAtQuantile(50))
}

// share returns how many of n operations worker w of workers performs.
func share(n, workers, w int) int {
	s := n / workers
	if w < n%workers {
		s++
	}
	return s
}
