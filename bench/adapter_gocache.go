package bench

import (
	gocache "github.com/patrickmn/go-cache"
)

// goCacheAdapter drives patrickmn/go-cache with a default expiration of the
// TTL and a janitor sweeping every two TTLs, the ratio its README example
// uses. go-cache has no capacity bound and keys by string, so it is keyed by
// the pre-built flat key and grows with every distinct key written.
type goCacheAdapter struct {
	cache *gocache.Cache
}

func openGoCache(opts cacheOptions) (cacheUnderTest, error) {
	return goCacheAdapter{cache: gocache.New(opts.ttl, 2*opts.ttl)}, nil
}

func (a goCacheAdapter) Get(k *benchKey) (*route, bool) {
	v, ok := a.cache.Get(k.flat)
	if !ok {
		return nil, false
	}
	r, ok := v.(*route)
	return r, ok
}

func (a goCacheAdapter) Set(k *benchKey, r *route) bool {
	a.cache.Set(k.flat, r, gocache.DefaultExpiration)
	return true
}

// Settle returns at once: go-cache applies every write under its lock.
func (a goCacheAdapter) Settle() {}

// Close empties the cache; its janitor stops when the cache is collected.
func (a goCacheAdapter) Close() { a.cache.Flush() }
