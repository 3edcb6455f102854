package routecache

import (
	"math"
	"math/bits"
	"time"
)

// Route lifetimes: when an entry expires, when it counts as alive, and how
// the expiry wheel's segments are sized for a TTL.

// segmentsPerTTL sets the wheel's segment width: the default TTL is cut
// into about this many segments, so the ring's horizon is at least
// wheel.Slots/segmentsPerTTL = 4 default TTLs and capacity eviction is
// ordered by expiry to within TTL/64 even between segments.
const segmentsPerTTL = 64

// minSegmentShift bounds the segment width from below (65.5 µs), so a tiny
// TTL does not make the ring's horizon tiny too.
const minSegmentShift = 16

// segmentShift picks the segment width for a default TTL: the largest power
// of two not above ttl/segmentsPerTTL, and at least 2^minSegmentShift ns.
// Segments keep their nodes in exact expiry order, so the width bounds no
// cost: it only spreads writers of different expiries over different locks.
func segmentShift(ttl time.Duration) uint {
	width := uint64(ttl) / segmentsPerTTL
	if width < 1<<minSegmentShift {
		return minSegmentShift
	}
	return uint(bits.Len64(width) - 1)
}

// expiryAfter returns now+ttl, clamped to the far future instead of
// overflowing.
func expiryAfter(now, ttl int64) int64 {
	if now > 0 && ttl > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + ttl
}

// alive reports whether an entry that expires at expiresAt is alive at the
// time of the call: expiresAt is after now. The coarse reading decides
// only where it cannot be wrong (see clock.go); otherwise the exact clock
// is read. Cost: one atomic load, plus a clock read within trustWindow of
// the expiry or while the refresher is parked.
func (c *Cache[V]) alive(expiresAt int64) bool {
	// coarse is at most coarseUnknown, so the sum cannot overflow.
	return expiresAt > c.coarse.Load()+trustWindow || c.aliveExact(expiresAt)
}

// aliveExact is alive's answer where the coarse reading cannot decide.
func (c *Cache[V]) aliveExact(expiresAt int64) bool {
	if c.coarse.Load() == coarseUnknown {
		c.wakeRefresher()
	}
	return expiresAt > c.exactNow()
}
