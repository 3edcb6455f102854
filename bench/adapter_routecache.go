package bench

import (
	"github.com/c41db742/routecache"
)

// routecacheAdapter drives routecache through the shared interface. The
// routecache-only workloads (Resolve, Prune) use the *routecache.Cache
// directly.
type routecacheAdapter struct {
	cache *routecache.Cache[*route]
}

// routecacheConfig turns a total capacity into routecache's per-shard bound
// (rounded up, so the total is at least the capacity asked for) with the
// default shard count, the default coarse clock and the default background
// sweep.
func routecacheConfig(opts cacheOptions) routecache.Config[*route] {
	shards := defaultShards()
	return routecache.Config[*route]{
		Shards:             shards,
		TTL:                opts.ttl,
		MaxEntriesPerShard: (opts.capacity + shards - 1) / shards,
	}
}

func openRoutecache(opts cacheOptions) (cacheUnderTest, error) {
	c, err := routecache.New(routecacheConfig(opts))
	if err != nil {
		return nil, err
	}
	return routecacheAdapter{cache: c}, nil
}

func (a routecacheAdapter) Get(k *benchKey) (*route, bool) {
	rec, err := a.cache.Get(k.key)
	return rec.Route, err == nil
}

func (a routecacheAdapter) Set(k *benchKey, r *route) bool {
	return a.cache.Set(k.key, r) == nil
}

// Settle returns at once: a routecache Set is complete when it returns,
// capacity eviction included.
func (a routecacheAdapter) Settle() {}

func (a routecacheAdapter) Close() { _ = a.cache.Close() }
