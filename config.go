package routecache

import (
	"fmt"
	"math"
	"time"
)

// Config configures a Cache. The zero Config is valid: every zero field
// takes the default its comment gives. New rejects negative values other
// than PruneInterval, and a Shards above MaxShards.
type Config[V any] struct {
	Shards             int           // 0: max(2, 2*GOMAXPROCS); any positive count up to MaxShards is used exactly
	TTL                time.Duration // default route lifetime; 0: 30 minutes
	MaxEntriesPerShard int           // 0: 10,000
	PruneInterval      time.Duration // background sweep of expired routes; 0: 30 s; <0: none
	MaxKeyBytes        int           // longest key accepted, all fields together; 0: 1024; above math.MaxUint32: math.MaxUint32
	// Clock, if set, is read on every operation that needs the time; nil
	// means the process's monotonic clock, read through a coarse reading
	// on the hot path (see Cache). Tests pass a FakeClock.
	Clock Clock
	// Validate, if set, is called on every route given to Set, on every
	// fallback Resolve considers and on every route a ResolveWith loader
	// returns; a route it rejects is refused by Set (ErrInvalidRoute),
	// skipped as a fallback, and not stored from a load. A panic in
	// Validate counts as a rejection.
	Validate func(V) error
	// OnEvict, if set, is called once for each entry that leaves the cache
	// other than by being overwritten, after it is gone and outside every
	// lock, so it may call back into the cache, Close included.
	//
	// It runs on the goroutine that removed the entry: for capacity, a
	// writer to the full shard (a Set, a Resolve or ResolveWith storing its
	// answer, the goroutine of a load) or a sweep that found it full; for
	// an expired entry, the Get, Resolve or Delete that met it, or the
	// Prune or background sweep that removed it; for a deletion, the
	// Delete. There is no queue between removal and callback: the calls
	// for the entries one operation removed come in removal order, on that
	// operation's goroutine, before it returns. The sweeps (Prune and the
	// background sweep) remove and report in batches of at most 128 entries
	// a shard, so a blocked callback holds back at most one batch of
	// reports, delays only the goroutine running it, and blocks no other
	// caller and no lookup: an expired route is never served while it
	// waits. A panic in OnEvict is recovered.
	OnEvict func(k Key, route V, reason EvictReason)
	// ShardSeed, if non-zero, makes shard choice depend on this secret as
	// well as on the key, so that a client who chooses keys cannot aim them
	// at the shard of another client's routes. With 0, ShardOf is the same
	// in every process for the same shard count, which tools that compute
	// shards outside the process rely on. Use a random seed when keys come
	// from untrusted clients and nothing outside the process needs ShardOf.
	ShardSeed uint64
}

// Defaults and limits of Config.
const (
	DefaultTTL                = 30 * time.Minute
	DefaultMaxEntriesPerShard = 10_000
	DefaultPruneInterval      = 30 * time.Second
	DefaultMaxKeyBytes        = 1024
	// MaxShards bounds Config.Shards, so that a configuration mistake
	// cannot make New allocate without bound.
	MaxShards = 1 << 14
)

// maxKeyBytesLimit is the most MaxKeyBytes a cache uses, whatever Config
// asks: an entry keeps its key's field lengths as uint32 (keyName).
const maxKeyBytesLimit = math.MaxUint32

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config[V]) withDefaults(procs int) Config[V] {
	if cfg.Shards == 0 {
		cfg.Shards = max(2, 2*procs)
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
	return cfg
}

// check reports the first setting New cannot use.
func (cfg Config[V]) check() error {
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
