package bench

import (
	"math"
	"testing"
	"time"
)

// TestBucketsCoverEveryValue checks that bucket boundaries are contiguous
// and that every value lands in the bucket whose bounds contain it.
func TestBucketsCoverEveryValue(t *testing.T) {
	for i := 1; i < histogramBuckets; i++ {
		if bucketUpperBound(i-1)+1 != lowerBound(i) {
			t.Fatalf("bucket %d starts at %d, previous ends at %d", i, lowerBound(i), bucketUpperBound(i-1))
		}
	}
	if bucketUpperBound(histogramBuckets-1) != math.MaxUint64 {
		t.Fatalf("last bucket ends at %d, want MaxUint64", bucketUpperBound(histogramBuckets-1))
	}
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 123_456_789, 1 << 40, math.MaxUint64} {
		i := bucketOf(v)
		if v < lowerBound(i) || v > bucketUpperBound(i) {
			t.Errorf("value %d in bucket %d [%d, %d]", v, i, lowerBound(i), bucketUpperBound(i))
		}
	}
}

// lowerBound returns the smallest value of bucket i.
func lowerBound(i int) uint64 {
	if i == 0 {
		return 0
	}
	return bucketUpperBound(i-1) + 1
}

func TestQuantiles(t *testing.T) {
	tests := []struct {
		name   string
		values []time.Duration
		q      float64
		want   time.Duration // upper estimate: within one bucket (3.2 %) above
	}{
		{"empty", nil, 0.5, 0},
		{"single", []time.Duration{40}, 0.99, 40},
		{"median of 1..100", series(1, 100), 0.5, 50},
		{"p99 of 1..1000", series(1, 1000), 0.99, 990},
		{"p99.9 sees 2 outliers in 1000", append(series(10, 10+997), 5*time.Millisecond, 5*time.Millisecond), 0.999, 5 * time.Millisecond},
		{"p99 does not", append(series(10, 10+997), 5*time.Millisecond, 5*time.Millisecond), 0.99, 999},
		{"negative counts as zero", []time.Duration{-5}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h latencyHistogram
			for _, v := range tt.values {
				h.record(v)
			}
			got := h.quantile(tt.q)
			if got < tt.want || float64(got) > float64(tt.want)*1.032+1 {
				t.Fatalf("quantile(%v) = %v, want %v to 3.2 %% above", tt.q, got, tt.want)
			}
		})
	}
}

func TestMergeAddsCounts(t *testing.T) {
	var a, b latencyHistogram
	for _, v := range series(1, 50) {
		a.record(v)
	}
	for _, v := range series(51, 100) {
		b.record(v)
	}
	a.merge(&b)
	if a.total != 100 {
		t.Fatalf("merged total %d, want 100", a.total)
	}
	if got := a.quantile(1); got < 100 || got > 103 {
		t.Fatalf("max after merge %v, want about 100ns", got)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	h := new(latencyHistogram)
	if allocs := testing.AllocsPerRun(1000, func() { h.record(1234) }); allocs != 0 {
		t.Fatalf("record allocates %v times", allocs)
	}
}

// series returns the durations from..to nanoseconds inclusive.
func series(from, to int) []time.Duration {
	out := make([]time.Duration, 0, to-from+1)
	for v := from; v <= to; v++ {
		out = append(out, time.Duration(v))
	}
	return out
}
