package bench

import (
	"github.com/dgraph-io/ristretto/v2"
)

// ristrettoAdapter drives ristretto v2 as its documentation recommends:
// NumCounters ten times the entries held when full, MaxCost the capacity
// with a cost of 1 per entry (IgnoreInternalCost, since the cost is not in
// bytes), BufferItems 64. Ristretto's keys are limited to strings, integers
// and byte slices, so it is keyed by the pre-built flat key string; it stores
// only two hashes of a key, not the key itself.
type ristrettoAdapter struct {
	cache *ristretto.Cache[string, *route]
	opts  cacheOptions
}

func openRistretto(opts cacheOptions) (cacheUnderTest, error) {
	c, err := ristretto.NewCache(&ristretto.Config[string, *route]{
		NumCounters:        10 * int64(opts.capacity),
		MaxCost:            int64(opts.capacity),
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, err
	}
	return ristrettoAdapter{cache: c, opts: opts}, nil
}

func (a ristrettoAdapter) Get(k *benchKey) (*route, bool) {
	return a.cache.Get(k.flat)
}

// Set reports ristretto's own answer: false when its set buffer was full
// and the write was dropped. Writes its admission policy rejects later are
// not known here; they show as misses.
func (a ristrettoAdapter) Set(k *benchKey, r *route) bool {
	return a.cache.SetWithTTL(k.flat, r, 1, a.opts.ttl)
}

// Settle waits for the set buffer to drain, as ristretto's documentation
// asks before reading what was just written.
func (a ristrettoAdapter) Settle() { a.cache.Wait() }

func (a ristrettoAdapter) Close() { a.cache.Close() }
