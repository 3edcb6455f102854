package bench

import (
	"github.com/Yiling-J/theine-go"
	"github.com/c41db742/routecache"
)

// theineAdapter drives theine-go built with the maximum size, the one
// required option in its documentation, and writes with SetWithTTL and a
// cost of 1 per entry. Entry pooling and the doorkeeper stay at their
// documented defaults (off).
type theineAdapter struct {
	cache *theine.Cache[routecache.Key, *route]
	opts  cacheOptions
}

func openTheine(opts cacheOptions) (cacheUnderTest, error) {
	c, err := theine.NewBuilder[routecache.Key, *route](int64(opts.capacity)).Build()
	if err != nil {
		return nil, err
	}
	return theineAdapter{cache: c, opts: opts}, nil
}

func (a theineAdapter) Get(k *benchKey) (*route, bool) {
	return a.cache.Get(k.key)
}

// Set reports theine's answer, false only when the cost exceeds the maximum
// size.
func (a theineAdapter) Set(k *benchKey, r *route) bool {
	return a.cache.SetWithTTL(k.key, r, 1, a.opts.ttl)
}

// Settle waits until theine's write buffer has been applied to its policy.
func (a theineAdapter) Settle() { a.cache.Wait() }

func (a theineAdapter) Close() { a.cache.Close() }
