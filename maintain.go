package routecache

import (
	"runtime"
	"time"

	"github.com/c41db742/routecache/internal/wheel"
)

// The maintenance protocol: the work that takes nodes out of a shard's
// wheel (sweeping expired entries, capacity eviction, compaction of stale
// nodes) is done by one goroutine at a time per shard, the holder of the
// shard's maintenance lock, and every hold is bounded: a sweep removes at
// most sweepBatch entries, compaction handles one wheel segment, eviction
// removes what the shard holds over capacity. Between holds the lock is
// released and what was removed is reported to OnEvict, so a mass expiry
// or a blocked callback never keeps a writer from evicting for long, and
// nothing here ever holds back the clock or a lookup.

const (
	// sweepBatch bounds the entries one maintenance hold sweeps, and the
	// OnEvict reports a sweep holds back at once.
	sweepBatch = 128

	// Compaction drops the wheel nodes of overwritten and removed writes.
	// It checks every node of the shard with a map lookup, so it runs only
	// once stale nodes outnumber live ones: at most about two lookups per
	// overwrite, amortised. The background sweep does it as soon as stale
	// nodes pass one per live entry plus compactSlack; a writer does it
	// only past writerStaleFactor per live entry, which a running
	// background sweep never lets happen. Without a background sweep
	// (PruneInterval < 0), the writers' bound keeps memory proportional to
	// live entries. compactSlack keeps a shard of a few entries from
	// compacting every few writes; the amortised bound above holds for any
	// slack, and a small one keeps a small shard's wheel small.
	compactSlack      = 64
	writerStaleFactor = 4
)

// afterWrite keeps the shard within capacity and its wheel compact. A
// writer that cannot take the shard's maintenance lock leaves the work to
// the holder, which re-checks the size after releasing the lock (see
// releaseMaintenance). The holder may be a sweep rather than another Set,
// though, so a writer whose shard is still over capacity does not return
// until it is not: it yields until the holder has evicted for it or the
// lock is free to do it itself. Holds are bounded, so the wait is too, and
// the bound holds once every Set has returned.
func (c *Cache[V]) afterWrite(s *shard[V], now int64, out *removals[V]) {
	for c.needsMaintenance(s) {
		if s.maintenance.TryLock() {
			c.releaseMaintenance(s, now, out)
			return
		}
		if s.size() <= c.maxEntries {
			return // only compaction is due; the holder or a later writer does it
		}
		runtime.Gosched()
	}
}

func (c *Cache[V]) needsMaintenance(s *shard[V]) bool {
	return s.size() > c.maxEntries || s.staleOver(writerStaleFactor)
}

// releaseMaintenance does the pending compaction and capacity work, then
// unlocks. A writer whose TryLock failed while the lock was held has
// already counted its entry in the size, so the check after Unlock sees
// it and the eviction is done again, here or by whoever takes the lock
// next.
func (c *Cache[V]) releaseMaintenance(s *shard[V], now int64, out *removals[V]) {
	if s.staleOver(writerStaleFactor) {
		c.compactAll(s)
	}
	for {
		drained := c.evictOverCapacity(s, now, out)
		s.maintenance.Unlock()
		if drained || s.size() <= c.maxEntries || !s.maintenance.TryLock() {
			return
		}
	}
}

// sweepAll removes every entry expired at now from every shard and returns
// how many it removed. It waits for each shard's maintenance lock in turn.
// background says whether the caller is the background sweeper.
func (c *Cache[V]) sweepAll(now int64, background bool) int {
	total := 0
	for i := range c.shards {
		if background && !c.live.Load() {
			break // closed: the sweeper stops between shards too
		}
		total += c.sweep(&c.shards[i], now, background)
	}
	return total
}

// sweep removes every entry of s expired at now, a batch per maintenance
// hold, reporting each batch to OnEvict before the next, and returns how
// many it removed. Its cost grows with the entries it removes, never with
// the entries that stay.
func (c *Cache[V]) sweep(s *shard[V], now int64, background bool) int {
	var buf [sweepBatch]wheel.Node
	var out removals[V]
	count := 0
	for {
		s.maintenance.Lock()
		due := s.wheel.PopDue(now, sweepBatch, buf[:0])
		for _, n := range due {
			// A due node's write expired at or before now: if it is still
			// the entry's current write, the entry has expired.
			if e, removed := s.takeNode(n); removed {
				c.noteRemoval(e, EvictExpired, &out)
				count++
			}
		}
		c.releaseMaintenance(s, now, &out)
		if background {
			c.notifyFromSweeper(&out)
		} else {
			c.notify(&out)
		}
		out.reset()
		if len(due) < sweepBatch || background && !c.live.Load() {
			return count // done, or closed: the sweeper stops between batches
		}
	}
}

// compactAll drops every stale node of s. Caller holds the maintenance
// lock. Cost: one lock-free map lookup per node held.
func (c *Cache[V]) compactAll(s *shard[V]) {
	for i := range wheel.Slots {
		s.wheel.CompactSlot(i, c.currentNode(s))
	}
	s.wheel.CompactOverflow(c.currentNode(s))
}

// currentNode returns the compaction filter of s: it keeps a node whose
// write is still its entry's and counts off the others.
func (c *Cache[V]) currentNode(s *shard[V]) func(wheel.Node) bool {
	return func(n wheel.Node) bool {
		_, ok := s.table.LoadSeq(n.Hash, n.Seq)
		if !ok {
			s.stale.Add(-1)
		}
		return ok
	}
}

// compactStale compacts the wheels whose stale nodes outnumber live
// entries, one segment per maintenance hold. Cost when there is nothing to
// do: two atomic loads per shard.
func (c *Cache[V]) compactStale() {
	for i := range c.shards {
		s := &c.shards[i]
		if !s.staleOver(1) {
			continue
		}
		keep := c.currentNode(s)
		for slot := range wheel.Slots {
			s.maintenance.Lock()
			s.wheel.CompactSlot(slot, keep)
			s.maintenance.Unlock()
		}
		s.maintenance.Lock()
		s.wheel.CompactOverflow(keep)
		s.maintenance.Unlock()
	}
}

// runSweeper sweeps expired routes and compacts stale nodes every interval
// until stop is closed: one wake-up per interval, whatever the cache does.
func (c *Cache[V]) runSweeper(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		c.sweeperWakeups.Add(1)
		if !c.live.Load() {
			return
		}
		c.sweepAll(c.exactNow(), true)
		if c.live.Load() {
			c.compactStale()
		}
	}
}

// notifyFromSweeper reports a batch of the background sweeper. It marks
// the callbacks, so that a Close they make does not wait for the goroutine
// that is running them.
func (c *Cache[V]) notifyFromSweeper(out *removals[V]) {
	if out.len() == 0 || c.onEvict == nil {
		return
	}
	c.sweepCallbacks.Add(1)
	defer c.sweepCallbacks.Add(-1)
	c.notify(out)
}
