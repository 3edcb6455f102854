package bench

import (
	"github.com/c41db742/routecache"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

// expirableLRUAdapter drives hashicorp/golang-lru v2's expirable LRU, built
// with NewLRU(size, nil, ttl) as its documentation shows.
type expirableLRUAdapter struct {
	cache *expirable.LRU[routecache.Key, *route]
}

func openExpirableLRU(opts cacheOptions) (cacheUnderTest, error) {
	return expirableLRUAdapter{cache: expirable.NewLRU[routecache.Key, *route](opts.capacity, nil, opts.ttl)}, nil
}

func (a expirableLRUAdapter) Get(k *benchKey) (*route, bool) {
	return a.cache.Get(k.key)
}

func (a expirableLRUAdapter) Set(k *benchKey, r *route) bool {
	a.cache.Add(k.key, r)
	return true
}

// Settle returns at once: the LRU applies every write under its lock.
func (a expirableLRUAdapter) Settle() {}

// Close purges the entries. v2.0.7 offers no way to stop the expiry
// goroutine, which keeps the (now empty) LRU reachable for the life of the
// process; purging is what keeps later measurements clean.
func (a expirableLRUAdapter) Close() { a.cache.Purge() }
