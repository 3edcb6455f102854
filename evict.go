package routecache

import (
	"fmt"
	"runtime"
)

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

// removal is an entry that left the cache, kept until OnEvict can be called
// outside every lock.
type removal[V any] struct {
	key    Key
	route  V
	reason EvictReason
}

// removals collects what one operation removed. The first few fit in the
// operation's own frame, so the common cases allocate nothing.
type removals[V any] struct {
	inline [2]removal[V]
	n      int
	more   []removal[V]
}

func (r *removals[V]) add(k Key, route V, reason EvictReason) {
	if r.n < len(r.inline) {
		r.inline[r.n] = removal[V]{k, route, reason}
		r.n++
		return
	}
	r.more = append(r.more, removal[V]{k, route, reason})
}

func (r *removals[V]) len() int { return r.n + len(r.more) }

// notify calls OnEvict for every removal collected, outside every lock, so
// the callback may call back into the cache. A panicking callback is
// recovered: the removal already happened and the cache stays consistent,
// and the remaining callbacks still run.
func (c *Cache[V]) notify(r *removals[V]) {
	if c.onEvict == nil || r.len() == 0 {
		return
	}
	for i := 0; i < r.n; i++ {
		c.callOnEvict(r.inline[i])
	}
	for _, x := range r.more {
		c.callOnEvict(x)
	}
}

func (c *Cache[V]) callOnEvict(x removal[V]) {
	defer func() { _ = recover() }()
	c.onEvict(x.key, x.route, x.reason)
}

// removed accounts for an entry that left, in the stats and for OnEvict.
func (c *Cache[V]) removed(e entry[V], reason EvictReason, out *removals[V]) {
	st := c.stats.stripe()
	switch reason {
	case EvictCapacity:
		st.evictions.Add(1)
	case EvictExpired:
		st.expirations.Add(1)
	}
	if c.onEvict != nil {
		out.add(e.key, e.route, reason)
	}
}

// afterWrite keeps the shard within capacity and its wheel compact. Only one
// goroutine at a time does that work. A writer that cannot take the shard's
// maintenance lock leaves the work to the holder, which re-checks the size
// after releasing the lock (see releaseMaintenance). The holder may be the
// background sweep or a Prune rather than another Set, though, so a writer
// whose shard is still over capacity does not return until it is not: it
// yields until the holder has evicted for it or the lock is free to do it
// itself. That way the bound holds once every Set has returned.
func (c *Cache[V]) afterWrite(s *shard[V], out *removals[V]) {
	for c.needsMaintenance(s) {
		if s.maintenance.TryLock() {
			c.releaseMaintenance(s, out)
			return
		}
		if s.size.Load() <= c.maxEntries {
			return // only compaction is due; the holder or a later writer does it
		}
		runtime.Gosched()
	}
}

func (c *Cache[V]) needsMaintenance(s *shard[V]) bool {
	return s.size.Load() > c.maxEntries || s.staleOver(writerStaleFactor)
}

// releaseMaintenance does the pending compaction and capacity work, then
// unlocks. A writer whose TryLock failed while we held the lock has already
// counted its entry in size, so the check after Unlock sees it and the
// eviction is done again, by us or by whoever takes the lock next.
func (c *Cache[V]) releaseMaintenance(s *shard[V], out *removals[V]) {
	if s.staleOver(writerStaleFactor) {
		c.compact(s)
	}
	for {
		drained := c.evictOverCapacity(s, out)
		s.maintenance.Unlock()
		if drained || s.size.Load() <= c.maxEntries || !s.maintenance.TryLock() {
			return
		}
	}
}

// evictOverCapacity removes the entries that expire soonest until the shard
// is within capacity. It reports whether it stopped because the wheel had
// nothing left to offer. Caller holds the maintenance lock.
func (c *Cache[V]) evictOverCapacity(s *shard[V], out *removals[V]) (drained bool) {
	if s.size.Load() <= c.maxEntries {
		return false
	}
	now := c.now()
	// Bring overflow writes that came within the ring's horizon in first,
	// so the ring really holds the soonest expiries.
	s.wheel.rebucket()
	for s.size.Load() > c.maxEntries {
		n, ok := s.wheel.popEarliest()
		if !ok {
			// A write is counted in size only after its node is filed, so
			// this does not happen; stopping keeps a broken invariant from
			// turning into a spin.
			return true
		}
		e, removed, _ := s.removeNode(n, func(entry[V]) bool { return true })
		if !removed {
			continue
		}
		reason := EvictCapacity
		if e.expiresAt <= now {
			reason = EvictExpired
		}
		c.removed(e, reason, out)
	}
	return false
}

// sweep removes every entry of s expired at now and returns how many.
// Caller holds the maintenance lock.
func (c *Cache[V]) sweep(s *shard[V], now int64, out *removals[V]) int {
	expired := func(e entry[V]) bool { return e.expiresAt <= now }
	count := 0
	var early []node // nodes filed before their time; never expected
	s.wheel.advance(now, func(n node) {
		e, removed, current := s.removeNode(n, expired)
		switch {
		case removed:
			c.removed(e, EvictExpired, out)
			count++
		case current:
			early = append(early, n)
		}
	})
	for _, n := range early {
		if e, ok := s.table.lookupSeq(n.hash, n.seq); ok {
			s.wheel.add(n, e.expiresAt)
		}
	}
	s.wheel.scanCurrent(now, func(n node) (bool, int64) {
		e, removed, current := s.removeNode(n, expired)
		if removed {
			c.removed(e, EvictExpired, out)
			count++
		}
		return current && !removed, e.expiresAt
	})
	return count
}

// compact drops the wheel's stale nodes. Caller holds the maintenance lock.
func (c *Cache[V]) compact(s *shard[V]) {
	s.wheel.compact(func(n node) (bool, int64) {
		e, ok := s.table.lookupSeq(n.hash, n.seq)
		if !ok {
			s.stale.Add(-1)
		}
		return ok, e.expiresAt
	})
}
