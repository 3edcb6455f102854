package bench

import (
	"math"
	"math/bits"
	"time"
)

// Bucket layout of latencyHistogram: values below linearLimit nanoseconds
// have a bucket each; above, every power of two is split into
// subBucketsPerOctave buckets, so a recorded value is known to within
// 1/subBucketsPerOctave (3.1 %). This is the log-linear layout of
// HdrHistogram, reduced to what a benchmark needs.
const (
	subBucketBits       = 5
	subBucketsPerOctave = 1 << subBucketBits      // 32
	linearLimit         = 2 * subBucketsPerOctave // 64 ns
	histogramBuckets    = linearLimit + (64-subBucketBits-1)*subBucketsPerOctave
)

// latencyHistogram counts durations without allocating, so it can sit inside
// a timed loop. It is not safe for concurrent use: give each goroutine its
// own and merge them afterwards. The zero value is an empty histogram.
type latencyHistogram struct {
	counts [histogramBuckets]uint64
	total  uint64
}

// record adds one duration; negative durations count as zero. Cost: a few
// instructions, no allocation.
func (h *latencyHistogram) record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.total++
}

// merge adds every count of other to h.
func (h *latencyHistogram) merge(other *latencyHistogram) {
	for i, c := range other.counts {
		h.counts[i] += c
	}
	h.total += other.total
}

// quantile returns the smallest bucket upper bound below which at least a
// fraction q (0 < q <= 1) of the recorded durations fall: an upper estimate,
// off by at most one bucket width. It returns 0 for an empty histogram.
func (h *latencyHistogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(bucketUpperBound(i))
		}
	}
	return time.Duration(bucketUpperBound(histogramBuckets - 1))
}

// bucketOf maps a value in nanoseconds to its bucket.
func bucketOf(v uint64) int {
	if v < linearLimit {
		return int(v)
	}
	// shift >= 1 keeps the top subBucketBits+1 bits, whose value lies in
	// [subBucketsPerOctave, 2*subBucketsPerOctave).
	shift := bits.Len64(v) - subBucketBits - 1
	return linearLimit + (shift-1)*subBucketsPerOctave + int(v>>shift) - subBucketsPerOctave
}

// bucketUpperBound returns the largest value that falls into bucket i.
func bucketUpperBound(i int) uint64 {
	if i < linearLimit {
		return uint64(i)
	}
	shift := (i-linearLimit)/subBucketsPerOctave + 1
	mantissa := uint64((i-linearLimit)%subBucketsPerOctave + subBucketsPerOctave)
	// For the last bucket the shift overflows to 0 and the result wraps to
	// math.MaxUint64, which is its true upper bound.
	return (mantissa+1)<<shift - 1
}
