package table

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBucketsAtADoubling pins the bucket accounting behind the bench's
// bytes per entry (bench/results-notes.md, "Bytes per entry"): the xsync
// map doubles its buckets when it passes 0.75 of five entries a bucket, so
// 2^16 buckets hold 245,760 entries and a shard of 250,000 (a million
// over four shards) has just doubled to 2^17, its slots 38 % full. If an
// xsync release changes its load factor, this fails and the accounting
// must be measured again.
func TestBucketsAtADoubling(t *testing.T) {
	if testing.Short() {
		t.Skip("fills half a million slots")
	}
	for _, tc := range []struct {
		entries int
		buckets int
	}{
		{entries: 245_000, buckets: 1 << 16},
		{entries: 250_000, buckets: 1 << 17},
	} {
		tb := New[uint64, same[uint64], struct{}]()
		for i := range uint64(tc.entries) {
			h := (i + 1) * 0x9e3779b97f4a7c15 // distinct hashes spread over the buckets
			tb.primary.Store(h, Slot[same[uint64], struct{}]{Name: same[uint64]{h}, Seq: i + 1})
		}
		assert.Equal(t, tc.buckets, tb.primary.Stats().RootBuckets, "%d entries", tc.entries)
	}
}
