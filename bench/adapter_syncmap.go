package bench

import "sync"

// syncMapAdapter is the standard library's sync.Map: no TTL, no capacity.
// Keys and values pass through interfaces, which is part of its cost.
type syncMapAdapter struct {
	m *sync.Map
}

func openSyncMap(cacheOptions) (cacheUnderTest, error) {
	return syncMapAdapter{m: new(sync.Map)}, nil
}

func (a syncMapAdapter) Get(k *benchKey) (*route, bool) {
	v, ok := a.m.Load(k.key)
	if !ok {
		return nil, false
	}
	r, ok := v.(*route)
	return r, ok
}

func (a syncMapAdapter) Set(k *benchKey, r *route) bool {
	a.m.Store(k.key, r)
	return true
}

// Settle returns at once: a Store is visible when it returns.
func (a syncMapAdapter) Settle() {}

// Close drops the map's entries.
func (a syncMapAdapter) Close() { a.m.Clear() }
