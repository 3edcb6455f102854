// Package routecache keeps the last known route of every conversation of a
// proxy or message router in memory, forgets it after a TTL, keeps memory
// bounded, and resolves a missing or stale route through the room's route
// and then through routes the caller supplies.
//
// It descends from a partition-process design (one process owning one ETS
// table per partition) and does the same work with no process and no global
// lock: xxhash picks a shard, and each shard holds an xsync concurrent map
// (CLHT-style: lock-free reads, one bucket lock per write), an atomic write
// sequence and a segmented expiry wheel.
package routecache

import (
	"fmt"
	"iter"
	"math/bits"
	"runtime"
	"sync/atomic"
	"time"
)

// Cache holds routes of type V by Key. Every method is safe for concurrent
// use. Create it with New.
//
// Expiry is exact: no Get, Resolve, ResolveWith or All returns a route
// whose ExpiresAt is at or before the monotonic time the call began,
// whatever the load, the sweep or OnEvict are doing. With the default
// clock, a hit reads a coarse clock that a dedicated goroutine refreshes
// every millisecond, and reads the monotonic clock itself for an entry
// within a second of its expiry or while that goroutine is parked. This
// rests on one assumption, that the Go scheduler runs the refresher at
// least once a second while it is active; the refresher runs no user code
// and no work that grows with the data (see clock.go). With a
// Config.Clock, every check reads that clock.
//
// Background work: with the default clock, one goroutine refreshes the
// coarse clock for about a second after a lookup wakes it, then parks; the
// first lookup that finds it parked reads the monotonic clock and wakes
// it. Writes and sweeps never wake it, so a cache nobody looks up costs no
// wake-ups for the clock from a second after its last lookup. With
// PruneInterval > 0, one goroutine sweeps expired routes once per
// PruneInterval, idle or not. Both end at Close.
//
// The zero Cache (a field nobody initialised) behaves as a closed cache:
// every method returns ErrClosed, false, 0 or nothing (Resolve still
// answers from a valid fallback), and none panics.
type Cache[V any] struct {
	// Set by New and only read afterwards: every operation reads these.
	shards      []shard[V]
	shardCount  uint64
	shardSeed   uint64
	ttl         int64 // default TTL in ns
	maxEntries  int64 // per shard
	maxKeyBytes int
	validate    func(V) error
	onEvict     func(Key, V, EvictReason)
	epoch       time.Time // times are kept as ns since epoch
	clock       Clock     // nil: the monotonic clock with a coarse reading
	stats       counters
	// live is set by New and cleared by Close; the zero Cache is closed.
	live atomic.Bool

	// coarse is the default clock's coarse reading, ns since epoch: a lower
	// bound of the current time, or coarseUnknown. Written only by the
	// refresher, every coarseRefresh while the cache is used; read by every
	// hit. Padded to a line of its own, so its stores invalidate nothing
	// else a hit reads.
	_      [64]byte
	coarse atomic.Int64
	_      [56]byte

	loads loadFlights[V] // ResolveWith's loads in flight, per shard (loader.go)

	wakeUp chan struct{} // buffered, 1: a parked refresher's wake-up
	// wakePending is set by the lookup that sends the wake-up and cleared
	// by the refresher once its reading is stored: the lookups between
	// the two leave the channel alone.
	wakePending atomic.Bool
	// sweepCallbacks counts OnEvict calls the background sweeper is
	// running, so that Close called from one does not wait for itself.
	sweepCallbacks atomic.Int32
	// refresherWakeups and sweeperWakeups count the background loops'
	// iterations, for the tests of an idle cache.
	refresherWakeups, sweeperWakeups atomic.Uint64

	stop          chan struct{} // closed by Close
	refresherDone chan struct{} // closed by the refresher as it returns; nil without one
	sweeperDone   chan struct{} // closed by the sweeper as it returns; nil without one
}

// New returns a cache configured by cfg and starts its background work
// (see Cache). A negative setting other than PruneInterval, or a Shards
// above MaxShards, returns an error wrapping ErrInvalidConfig. Cost: the
// shards' tables and wheels, a few KiB each.
func New[V any](cfg Config[V]) (*Cache[V], error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults(runtime.GOMAXPROCS(0))
	c := &Cache[V]{
		shardCount:  uint64(cfg.Shards),
		shardSeed:   cfg.ShardSeed,
		ttl:         int64(cfg.TTL),
		maxEntries:  int64(cfg.MaxEntriesPerShard),
		maxKeyBytes: int(min(uint64(cfg.MaxKeyBytes), maxKeyBytesLimit)),
		validate:    cfg.Validate,
		onEvict:     cfg.OnEvict,
		clock:       cfg.Clock,
		stats:       newCounters(),
		stop:        make(chan struct{}),
	}
	c.coarse.Store(coarseUnknown)
	if c.clock == nil {
		c.epoch = time.Now()
	} else {
		c.epoch = c.clock.Now()
	}
	now := c.exactNow()
	shift := segmentShift(cfg.TTL)
	c.shards = make([]shard[V], cfg.Shards)
	for i := range c.shards {
		c.shards[i] = newShard[V](shift, now)
	}
	c.live.Store(true)
	if c.clock == nil {
		c.wakeUp = make(chan struct{}, 1)
		c.refresherDone = make(chan struct{})
		go c.refreshCoarse(c.stop, c.refresherDone)
	}
	if cfg.PruneInterval > 0 {
		c.sweeperDone = make(chan struct{})
		go c.runSweeper(cfg.PruneInterval, c.stop, c.sweeperDone)
	}
	return c, nil
}

// timeAt turns ns since the epoch back into a time.Time.
func (c *Cache[V]) timeAt(t int64) time.Time {
	return c.epoch.Add(time.Duration(t))
}

// checkKey reports why k cannot be used, naming the field. The hot paths
// test Key.fits first, which is inlined, and call checkKey only for a key
// that fails it.
func (c *Cache[V]) checkKey(k Key) error {
	if err := k.checkFields(); err != nil {
		return err
	}
	// The zero Cache has no MaxKeyBytes: it takes any length and answers
	// as a closed cache.
	if n := k.byteLen(); n > c.maxKeyBytes && c.shards != nil {
		return fmt.Errorf("%w: %d bytes, above MaxKeyBytes %d", ErrInvalidKey, n, c.maxKeyBytes)
	}
	return nil
}

// checkRoute runs Validate, turning a rejection or a panic into an error
// wrapping ErrInvalidRoute.
func (c *Cache[V]) checkRoute(route V) (err error) {
	if c.validate == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: Validate panicked: %v", ErrInvalidRoute, p)
		}
	}()
	if verr := c.validate(route); verr != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRoute, verr)
	}
	return nil
}

// shardIndex maps a key hash onto [0, shardCount) by multiply-shift: the
// high word of hash*shardCount. Any count works, and it costs one multiply
// where a modulo would cost a division. With a ShardSeed, the hash is
// first put through a keyed bijection, so the mapping is unpredictable to
// anyone who does not know the seed.
func (c *Cache[V]) shardIndex(h uint64) int {
	if c.shardSeed != 0 {
		h = mixSeeded(h, c.shardSeed)
	}
	hi, _ := bits.Mul64(h, c.shardCount)
	return int(hi)
}

// mixSeeded is a keyed bijection of h: the seed is mixed in before and
// after a 64-bit finaliser (murmur3's fmix64).
func mixSeeded(h, seed uint64) uint64 {
	h ^= seed
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h ^ bits.RotateLeft64(seed, 29)
}

// Set stores route for k with the default TTL, replacing any earlier route
// of k; a replaced key moves to the back of the eviction order. Errors:
// ErrInvalidKey, ErrInvalidRoute (Validate rejected it), ErrClosed. Cost:
// one hash of the key, one read of the monotonic clock, one map write
// under a bucket lock allocating the map's entry, one segment lock held
// for a few nanoseconds, and, if the shard goes over capacity, the
// eviction of the soonest-expiring entries.
func (c *Cache[V]) Set(k Key, route V) error {
	return c.SetWithTTL(k, route, 0)
}

// SetWithTTL is Set with a route lifetime of ttl; 0 means the cache's TTL,
// and a negative ttl is ErrInvalidTTL. A ttl so large that the expiry would
// overflow is clamped to the far future.
func (c *Cache[V]) SetWithTTL(k Key, route V, ttl time.Duration) error {
	if err := c.checkKey(k); err != nil {
		return err
	}
	if !c.live.Load() {
		return ErrClosed
	}
	if ttl < 0 {
		return fmt.Errorf("%w: negative ttl %v", ErrInvalidTTL, ttl)
	}
	if err := c.checkRoute(route); err != nil {
		return err
	}
	if ttl == 0 {
		ttl = time.Duration(c.ttl)
	}
	h := hashKey(k)
	c.write(&c.shards[c.shardIndex(h)], h, k, route, int64(ttl))
	c.stats.stripe().sets.Add(1)
	return nil
}

// write stores a route and does the capacity work it caused.
func (c *Cache[V]) write(s *shard[V], h uint64, k Key, route V, ttl int64) {
	now := c.exactNow()
	s.store(h, k, route, now, expiryAfter(now, ttl))
	var out removals[V]
	c.afterWrite(s, now, &out)
	c.notify(&out)
}

// Record is a route as stored, with the time it was written and the time
// it expires.
type Record[V any] struct {
	Route     V
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// record is v as a Record. Get builds the same Record in its own result
// instead of calling this: a Record returned by a call is copied through
// memory (see Get).
func (c *Cache[V]) record(v *stored[V]) Record[V] {
	return Record[V]{Route: v.route, UpdatedAt: c.timeAt(v.updatedAt), ExpiresAt: c.timeAt(v.expiresAt)}
}

// Get returns the live record for k. A held but expired entry is removed
// on the spot and reported as ErrExpired; afterwards the key is
// ErrNotFound. Other errors: ErrInvalidKey, ErrClosed. A hit takes no lock
// and allocates nothing: one hash, one lock-free map read, one atomic load
// of the coarse clock (or a clock read, near the entry's expiry), one
// striped counter and the Record's two times.
func (c *Cache[V]) Get(k Key) (rec Record[V], err error) {
	// The hit path calls nothing that returns a Record or takes a Key by
	// value. A Record (56 bytes) returned by a call is spilled and copied
	// through memory, and a Key passed to a generic method does not fit in
	// registers. Building the Record here, with Key.fits and alive's quick
	// test inlined, made a hit on keys held in the CPU's caches 14 %
	// faster (bench/results-notes.md).
	if !k.fits(c.maxKeyBytes) || !c.live.Load() {
		return Record[V]{}, c.unusable(k)
	}
	h := hashKey(k)
	s := &c.shards[c.shardIndex(h)]
	e, ok := s.table.Probe(h)
	if ok && !holds(&e, &k) {
		e, ok = s.table.LoadShared(h, &k, e.Seq == 0) // k's hash is shared, or held by another key
	}
	if !ok || !c.alive(e.Value.expiresAt) {
		return Record[V]{}, c.getMissed(s, h, e, ok)
	}
	c.stats.stripe().hits.Add(1)
	rec.Route = e.Value.route
	rec.UpdatedAt = c.timeAt(e.Value.updatedAt)
	rec.ExpiresAt = c.timeAt(e.Value.expiresAt)
	return rec, nil
}

// unusable is why Get cannot use k once its quick test failed: the key's
// error, or else ErrClosed (a key passes checkKey and fails Key.fits only
// in the zero Cache, which is closed).
func (c *Cache[V]) unusable(k Key) error {
	if err := c.checkKey(k); err != nil {
		return err
	}
	return ErrClosed
}

// getMissed counts a Get that found no live entry and says why: e is the
// entry found (held), or none; an expired one is dropped.
func (c *Cache[V]) getMissed(s *shard[V], h uint64, e entry[V], held bool) error {
	c.stats.stripe().misses.Add(1)
	if !held {
		return ErrNotFound
	}
	c.dropExpired(s, h, e)
	return ErrExpired
}

// dropExpired removes the expired entry e met by a lookup, unless it was
// overwritten meanwhile, and counts it as stale.
func (c *Cache[V]) dropExpired(s *shard[V], h uint64, e entry[V]) {
	c.stats.stripe().stale.Add(1)
	old, ok := s.remove(h, e.Name.Key(), func(cur entry[V]) bool { return cur.Seq == e.Seq })
	if !ok {
		return
	}
	var out removals[V]
	c.noteRemoval(old, EvictExpired, &out)
	c.notify(&out)
}

// Delete removes k's entry and reports whether there was one. OnEvict sees
// EvictDeleted, or EvictExpired if the entry had already expired. An
// invalid key, or a closed cache, removes nothing and returns false. Cost:
// one hash and one map delete under a bucket lock; the entry's wheel node
// is left for the sweep or compaction to drop.
func (c *Cache[V]) Delete(k Key) bool {
	if c.checkKey(k) != nil || !c.live.Load() {
		return false
	}
	h := hashKey(k)
	s := &c.shards[c.shardIndex(h)]
	e, ok := s.remove(h, k, acceptAny[V])
	if !ok {
		return false
	}
	reason := EvictDeleted
	if e.Value.expiresAt <= c.exactNow() {
		reason = EvictExpired
	}
	var out removals[V]
	c.noteRemoval(e, reason, &out)
	c.notify(&out)
	return true
}

// Prune removes every entry expired at the time of the call and returns
// how many it removed. It takes only the wheel's due nodes, so its cost
// grows with the entries it removes, never with the entries held, for any
// mix of TTLs. It works a batch at a time per shard, waiting for a shard
// whose maintenance is busy, and reports each batch to OnEvict on the
// calling goroutine. After Close it returns 0.
func (c *Cache[V]) Prune() int {
	if !c.live.Load() {
		return 0
	}
	return c.sweepAll(c.exactNow(), false)
}

// Len returns the number of entries held, expired-but-unswept included.
// Never negative; it may lag by the writes in flight. Cost: one atomic
// load per shard.
func (c *Cache[V]) Len() int {
	n := int64(0)
	for i := range c.shards {
		n += c.shards[i].size()
	}
	return int(n)
}

// TTL returns the default route lifetime: what Set gives a route, and
// what SetWithTTL gives for a ttl of 0. The zero Cache returns 0.
func (c *Cache[V]) TTL() time.Duration { return time.Duration(c.ttl) }

// Shards returns the number of shards; 0 for the zero Cache.
func (c *Cache[V]) Shards() int { return len(c.shards) }

// ShardOf returns the shard k belongs to: xxhash over the four fields,
// mapped onto the shard count (and keyed by ShardSeed, if set). Without a
// ShardSeed it is the same in every process for the same shard count. It
// does not check k. Cost: one key hash, as in a lookup.
func (c *Cache[V]) ShardOf(k Key) int { return c.shardIndex(hashKey(k)) }

// Stats returns the counters since New. Cost: a read of every counter
// stripe and one atomic load per shard.
func (c *Cache[V]) Stats() Stats {
	s := c.stats.snapshot()
	s.Entries = c.Len()
	return s
}

// All yields every live route: key and record. It is weakly consistent: a
// route written or removed during the iteration may or may not be seen.
// Routes expired when the call began are never yielded. The loop body runs
// outside every lock and may call the cache. After Close it yields
// nothing. Cost: a lock-free walk over every entry held, expired ones
// included; nothing is allocated per entry.
func (c *Cache[V]) All() iter.Seq2[Key, Record[V]] {
	return func(yield func(Key, Record[V]) bool) {
		if !c.live.Load() {
			return
		}
		now := c.exactNow()
		for i := range c.shards {
			more := true
			c.shards[i].table.Range(func(e entry[V]) bool {
				if e.Value.expiresAt <= now {
					return true
				}
				more = yield(e.Name.Key(), c.record(&e.Value))
				return more
			})
			if !more {
				return
			}
		}
	}
}

// Close stops the background work and waits for it to end, except that a
// Close called from OnEvict on the background sweeper does not wait for
// the sweeper, which is the caller, and a Close that finds the sweeper in
// an OnEvict call does not wait for that call either. After Close, Set and
// Get return ErrClosed and Resolve answers only from the fallbacks it is
// given. Close is idempotent, safe from OnEvict and Validate on every
// path, and always returns nil.
func (c *Cache[V]) Close() error {
	if c.live.CompareAndSwap(true, false) {
		close(c.stop)
	}
	if c.refresherDone != nil {
		<-c.refresherDone
	}
	if c.sweeperDone != nil && c.sweepCallbacks.Load() == 0 {
		<-c.sweeperDone
	}
	return nil
}
