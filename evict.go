package routecache

import "fmt"

// EvictReason says why an entry left the cache.
type EvictReason int

const (
	// EvictCapacity: the entry was removed to keep its shard within
	// MaxEntriesPerShard.
	EvictCapacity EvictReason = iota + 1
	// EvictExpired: the entry had expired when it was removed, whatever
	// removed it (Prune, the background sweep, a lookup, Delete, eviction).
	EvictExpired
	// EvictDeleted: Delete removed the live entry.
	EvictDeleted
)

// String returns "capacity", "expired" or "deleted".
func (r EvictReason) String() string {
	switch r {
	case EvictCapacity:
		return "capacity"
	case EvictExpired:
		return "expired"
	case EvictDeleted:
		return "deleted"
	}
	return fmt.Sprintf("EvictReason(%d)", int(r))
}

// evictOverCapacity removes the entries that expire soonest until the shard
// is within capacity: the wheel gives them up in exact expiry order, oldest
// write first among equal expiries, which with one TTL for all routes is
// least recently written first. It reports whether it stopped because the
// wheel had nothing left to offer: the entries over capacity are still
// being published by their writers, who evict for themselves once their
// nodes are filed. now is the time of the write or sweep that called it;
// an entry expired at now is reported as expired, one that expires while
// the eviction runs as evicted for capacity. Taking the caller's time
// saves a second clock read on every evicting Set: time.Since costs 42 ns
// on the bench's VM (BenchmarkClockRead), about 3 % of such a Set. Caller
// holds the maintenance lock.
func (c *Cache[V]) evictOverCapacity(s *shard[V], now int64, out *removals[V]) (drained bool) {
	for s.size() > c.maxEntries {
		n, ok := s.wheel.PopEarliest()
		if !ok {
			return true
		}
		e, removed := s.takeNode(n)
		if !removed {
			continue
		}
		reason := EvictCapacity
		if e.Value.expiresAt <= now {
			reason = EvictExpired
		}
		c.noteRemoval(e, reason, out)
	}
	return false
}
