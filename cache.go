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
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Cache. The zero Config is valid: every zero field
// takes the default its comment gives. Negative values other than
// PruneInterval are rejected by New.
type Config[V any] struct {
	Shards             int           // 0: max(2, 2*GOMAXPROCS); any positive count up to MaxShards is used exactly
	TTL                time.Duration // default route lifetime; 0: 30 minutes
	MaxEntriesPerShard int           // 0: 10,000
	PruneInterval      time.Duration // background sweep of expired routes; 0: 30 s; <0: none
	MaxKeyBytes        int           // longest key accepted, all fields together; 0: 1024
	Clock              Clock         // nil: the process's monotonic clock, read coarsely (see below)
	// Validate, if set, is called on every route given to Set and on every
	// fallback Resolve considers; a route it rejects is refused by Set
	// (ErrInvalidRoute) and skipped as a fallback. A panic in Validate counts
	// as a rejection.
	Validate func(V) error
	// OnEvict, if set, is called once for each entry that leaves the cache
	// other than by being overwritten, after it is gone and outside every
	// lock, so it may call back into the cache. It runs on the goroutine
	// that removed the entry: when the background sweep happens to evict
	// for a Set, the call may come just after that Set returns. A panic in
	// it is recovered.
	OnEvict func(k Key, route V, reason EvictReason)
}

// Defaults and limits of Config.
const (
	DefaultTTL                = 30 * time.Minute
	DefaultMaxEntriesPerShard = 10_000
	DefaultPruneInterval      = 30 * time.Second
	DefaultMaxKeyBytes        = 1024
	// MaxShards bounds Config.Shards: each shard costs about 21 KiB of
	// wheel and map before it holds anything.
	MaxShards = 1 << 14
)

// Cache holds routes of type V by Key. Every method is safe for concurrent
// use. Create it with New; the zero Cache is not usable.
type Cache[V any] struct {
	shards     []shard[V]
	shardCount uint64
	// hashMask is all ones; tests narrow it to force hash collisions.
	hashMask uint64

	ttl         int64 // default TTL in ns
	maxEntries  int64 // per shard
	maxKeyBytes int
	validate    func(V) error
	onEvict     func(Key, V, EvictReason)

	// Time is kept as ns since epoch. With the default clock, coarse is
	// set and clock is nil; with a Config.Clock it is the other way round.
	epoch  time.Time
	coarse *coarseClock
	clock  Clock

	stats counters

	closed    atomic.Bool
	closeOnce sync.Once
	stop      chan struct{} // closed by Close; nil when there is no background goroutine
	done      chan struct{} // closed by the background goroutine when it returns
}

// New returns a cache configured by cfg, and starts its background
// goroutine: at most one per cache, refreshing the default clock and
// sweeping expired routes every PruneInterval, until Close. With a
// Config.Clock and a negative PruneInterval there is none. A negative
// setting (other than PruneInterval) returns an error wrapping
// ErrInvalidConfig.
func New[V any](cfg Config[V]) (*Cache[V], error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.Shards == 0 {
		cfg.Shards = max(2, 2*runtime.GOMAXPROCS(0))
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxEntriesPerShard == 0 {
		cfg.MaxEntriesPerShard = DefaultMaxEntriesPerShard
	}
	if cfg.PruneInterval == 0 {
		cfg.PruneInterval = DefaultPruneInterval
	}
	if cfg.MaxKeyBytes == 0 {
		cfg.MaxKeyBytes = DefaultMaxKeyBytes
	}
	c := &Cache[V]{
		shardCount:  uint64(cfg.Shards),
		hashMask:    math.MaxUint64,
		ttl:         int64(cfg.TTL),
		maxEntries:  int64(cfg.MaxEntriesPerShard),
		maxKeyBytes: cfg.MaxKeyBytes,
		validate:    cfg.Validate,
		onEvict:     cfg.OnEvict,
		clock:       cfg.Clock,
		stats:       newCounters(),
	}
	if c.clock == nil {
		c.coarse = newCoarseClock()
		c.epoch = c.coarse.epoch
	} else {
		c.epoch = c.clock.Now()
	}
	now := c.now()
	shift := segmentShift(cfg.TTL)
	c.shards = make([]shard[V], cfg.Shards)
	for i := range c.shards {
		c.shards[i] = newShard[V](shift, now)
	}
	if c.coarse != nil || cfg.PruneInterval > 0 {
		c.stop = make(chan struct{})
		c.done = make(chan struct{})
		go c.background(cfg.PruneInterval)
	}
	return c, nil
}

func checkConfig[V any](cfg Config[V]) error {
	switch {
	case cfg.Shards < 0:
		return fmt.Errorf("%w: negative Shards %d", ErrInvalidConfig, cfg.Shards)
	case cfg.Shards > MaxShards:
		return fmt.Errorf("%w: Shards %d above MaxShards %d", ErrInvalidConfig, cfg.Shards, MaxShards)
	case cfg.TTL < 0:
		return fmt.Errorf("%w: negative TTL %v", ErrInvalidConfig, cfg.TTL)
	case cfg.MaxEntriesPerShard < 0:
		return fmt.Errorf("%w: negative MaxEntriesPerShard %d", ErrInvalidConfig, cfg.MaxEntriesPerShard)
	case cfg.MaxKeyBytes < 0:
		return fmt.Errorf("%w: negative MaxKeyBytes %d", ErrInvalidConfig, cfg.MaxKeyBytes)
	}
	return nil
}

// background refreshes the coarse clock and sweeps expired routes until
// Close. A sweep skips a shard whose maintenance lock is busy; the next
// sweep gets it.
func (c *Cache[V]) background(pruneInterval time.Duration) {
	defer close(c.done)
	var tick <-chan time.Time
	if c.coarse != nil {
		t := time.NewTicker(coarseRefresh)
		defer t.Stop()
		tick = t.C
	}
	var prune <-chan time.Time
	if pruneInterval > 0 {
		t := time.NewTicker(pruneInterval)
		defer t.Stop()
		prune = t.C
	}
	for {
		select {
		case <-c.stop:
			return
		case <-tick:
			c.coarse.refresh()
			c.compactStale()
		case <-prune:
			if c.coarse != nil {
				c.coarse.refresh()
			}
			c.prune(false)
			c.compactStale()
		}
	}
}

// compactStale compacts the wheels whose stale nodes outnumber live
// entries, skipping shards whose maintenance is busy. Cost when there is
// nothing to do: two atomic loads per shard.
func (c *Cache[V]) compactStale() {
	for i := range c.shards {
		s := &c.shards[i]
		if !s.staleOver(1) || !s.maintenance.TryLock() {
			continue
		}
		c.compact(s)
		var out removals[V]
		c.releaseMaintenance(s, &out)
		c.notify(&out)
	}
}

// now returns the time in ns since the cache's epoch.
func (c *Cache[V]) now() int64 {
	if c.coarse != nil {
		return c.coarse.nanos.Load()
	}
	return int64(c.clock.Now().Sub(c.epoch))
}

// timeAt turns ns since the epoch back into a time.Time.
func (c *Cache[V]) timeAt(t int64) time.Time {
	return c.epoch.Add(time.Duration(t))
}

// expiryAfter returns now+ttl, clamped to the far future instead of
// overflowing.
func expiryAfter(now, ttl int64) int64 {
	if now > 0 && ttl > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + ttl
}

// checkKey reports why k cannot be used, naming the field.
func (c *Cache[V]) checkKey(k Key) error {
	if err := k.checkFields(); err != nil {
		return err
	}
	if n := k.byteLen(); n > c.maxKeyBytes {
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

func (c *Cache[V]) hash(k Key) uint64 { return hashKey(k) & c.hashMask }

// shardIndex maps a hash onto [0, shardCount) by multiply-shift: the high
// word of hash*shardCount. Any count works, and it costs one multiply where
// a modulo would cost a division.
func (c *Cache[V]) shardIndex(h uint64) int {
	hi, _ := bits.Mul64(h, c.shardCount)
	return int(hi)
}

// Set stores route for k with the default TTL, replacing any earlier route
// of k; a replaced key moves to the back of the eviction order. Errors:
// ErrInvalidKey, ErrInvalidRoute (Validate rejected it), ErrClosed. Cost:
// one hash of the key, one map write under a bucket lock, allocating the
// map's entry (plus, amortised, a share of a wheel block), and one segment
// lock held for a few nanoseconds; if the shard goes over capacity, the
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
	if c.closed.Load() {
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
	h := c.hash(k)
	c.write(&c.shards[c.shardIndex(h)], h, k, route, int64(ttl))
	c.stats.stripe().sets.Add(1)
	return nil
}

// write stores a route and does the capacity work it caused.
func (c *Cache[V]) write(s *shard[V], h uint64, k Key, route V, ttl int64) {
	now := c.now()
	s.store(h, k, route, now, expiryAfter(now, ttl))
	var out removals[V]
	c.afterWrite(s, &out)
	c.notify(&out)
}

// Record is a route as stored, with the time it was written and the time
// it expires.
type Record[V any] struct {
	Route     V
	UpdatedAt time.Time
	ExpiresAt time.Time
}

func (c *Cache[V]) record(e entry[V]) Record[V] {
	return Record[V]{Route: e.route, UpdatedAt: c.timeAt(e.updatedAt), ExpiresAt: c.timeAt(e.expiresAt)}
}

// Get returns the live record for k. A held but expired entry is removed
// on the spot and reported as ErrExpired; afterwards the key is
// ErrNotFound. Other errors: ErrInvalidKey, ErrClosed. A hit takes no lock
// and allocates nothing: one hash, one lock-free map read, one clock read.
func (c *Cache[V]) Get(k Key) (Record[V], error) {
	if err := c.checkKey(k); err != nil {
		return Record[V]{}, err
	}
	if c.closed.Load() {
		return Record[V]{}, ErrClosed
	}
	h := c.hash(k)
	s := &c.shards[c.shardIndex(h)]
	e, ok := s.table.load(h, k)
	if !ok {
		c.stats.stripe().misses.Add(1)
		return Record[V]{}, ErrNotFound
	}
	if e.expiresAt > c.now() {
		c.stats.stripe().hits.Add(1)
		return c.record(e), nil
	}
	c.dropExpired(s, h, e)
	c.stats.stripe().misses.Add(1)
	return Record[V]{}, ErrExpired
}

// dropExpired removes the expired entry e met by a lookup, unless it was
// overwritten meanwhile, and counts it as stale.
func (c *Cache[V]) dropExpired(s *shard[V], h uint64, e entry[V]) {
	c.stats.stripe().stale.Add(1)
	old, ok := s.remove(h, e.key, func(cur entry[V]) bool { return cur.seq == e.seq })
	if !ok {
		return
	}
	var out removals[V]
	c.removed(old, EvictExpired, &out)
	c.notify(&out)
}

// Delete removes k's entry and reports whether there was one. OnEvict sees
// EvictDeleted, or EvictExpired if the entry had already expired. An
// invalid key, or a closed cache, removes nothing and returns false.
func (c *Cache[V]) Delete(k Key) bool {
	if c.checkKey(k) != nil || c.closed.Load() {
		return false
	}
	h := c.hash(k)
	s := &c.shards[c.shardIndex(h)]
	e, ok := s.remove(h, k, func(entry[V]) bool { return true })
	if !ok {
		return false
	}
	reason := EvictDeleted
	if e.expiresAt <= c.now() {
		reason = EvictExpired
	}
	var out removals[V]
	c.removed(e, reason, &out)
	c.notify(&out)
	return true
}

// Prune removes every entry expired at the time of the call and returns
// how many it removed. It sweeps only the wheel's due segments, so its cost
// grows with the entries it removes and the segments it passes, not with
// the entries held. It waits for a shard whose maintenance is busy. After
// Close it returns 0.
func (c *Cache[V]) Prune() int {
	if c.closed.Load() {
		return 0
	}
	return c.prune(true)
}

// prune sweeps every shard; wait says whether to wait for a busy shard or
// skip it.
func (c *Cache[V]) prune(wait bool) int {
	now := c.now()
	total := 0
	for i := range c.shards {
		s := &c.shards[i]
		if wait {
			s.maintenance.Lock()
		} else if !s.maintenance.TryLock() {
			continue
		}
		var out removals[V]
		total += c.sweep(s, now, &out)
		c.releaseMaintenance(s, &out)
		c.notify(&out)
	}
	return total
}

// Len returns the number of entries held, expired-but-unswept included.
// Cost: one atomic load per shard.
func (c *Cache[V]) Len() int {
	n := int64(0)
	for i := range c.shards {
		n += c.shards[i].size.Load()
	}
	return int(n)
}

// Shards returns the number of shards.
func (c *Cache[V]) Shards() int { return len(c.shards) }

// ShardOf returns the shard k belongs to: xxhash over the four fields,
// mapped onto the shard count. It is the same in every process for the same
// shard count, and it does not check k.
func (c *Cache[V]) ShardOf(k Key) int { return c.shardIndex(c.hash(k)) }

// Stats returns the counters since New. Cost: a read of every counter
// stripe and one atomic load per shard.
func (c *Cache[V]) Stats() Stats {
	s := c.stats.snapshot()
	s.Entries = c.Len()
	return s
}

// All yields every live route: key and record. It is weakly consistent: a
// route written or removed during the iteration may or may not be seen,
// and none is seen twice. The loop body runs outside every lock and may
// call the cache. After Close it yields nothing.
func (c *Cache[V]) All() iter.Seq2[Key, Record[V]] {
	return func(yield func(Key, Record[V]) bool) {
		if c.closed.Load() {
			return
		}
		now := c.now()
		for i := range c.shards {
			more := true
			c.shards[i].table.each(func(e entry[V]) bool {
				if e.expiresAt <= now {
					return true
				}
				more = yield(e.key, c.record(e))
				return more
			})
			if !more {
				return
			}
		}
	}
}

// Close stops the background goroutine and waits for it to return. After
// Close, Set and Get return ErrClosed and Resolve answers only from the
// fallbacks it is given. Close is idempotent and always returns nil.
func (c *Cache[V]) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		if c.stop != nil {
			close(c.stop)
			<-c.done
		}
	})
	return nil
}
