package bench

import (
	"github.com/c41db742/routecache"
	"github.com/jellydator/ttlcache/v3"
)

// ttlCacheAdapter drives jellydator/ttlcache v3 with WithTTL and
// WithCapacity and the expiry goroutine started by Start, as its README
// shows. WithDisableTouchOnHit keeps a route's lifetime counted from its
// write, the semantics every other cache here has; by default a hit would
// extend it.
type ttlCacheAdapter struct {
	cache *ttlcache.Cache[routecache.Key, *route]
}

func openTTLCache(opts cacheOptions) (cacheUnderTest, error) {
	c := ttlcache.New[routecache.Key, *route](
		ttlcache.WithTTL[routecache.Key, *route](opts.ttl),
		ttlcache.WithCapacity[routecache.Key, *route](uint64(opts.capacity)),
		ttlcache.WithDisableTouchOnHit[routecache.Key, *route](),
	)
	go c.Start()
	return ttlCacheAdapter{cache: c}, nil
}

func (a ttlCacheAdapter) Get(k *benchKey) (*route, bool) {
	item := a.cache.Get(k.key)
	if item == nil {
		return nil, false
	}
	return item.Value(), true
}

func (a ttlCacheAdapter) Set(k *benchKey, r *route) bool {
	a.cache.Set(k.key, r, ttlcache.DefaultTTL)
	return true
}

// Settle returns at once: ttlcache applies every write under its lock.
func (a ttlCacheAdapter) Settle() {}

func (a ttlCacheAdapter) Close() {
	a.cache.Stop()
	a.cache.DeleteAll()
}
