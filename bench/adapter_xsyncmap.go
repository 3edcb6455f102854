package bench

import (
	"github.com/c41db742/routecache"
	"github.com/puzpuzpuz/xsync/v3"
)

// xsyncMapAdapter is the bare xsync/v3 MapOf that routecache's shards are
// built on: no TTL, no capacity, no clock. It is the floor a cache's read
// path is measured against.
type xsyncMapAdapter struct {
	m *xsync.MapOf[routecache.Key, *route]
}

func openXsyncMap(cacheOptions) (cacheUnderTest, error) {
	return xsyncMapAdapter{m: xsync.NewMapOf[routecache.Key, *route]()}, nil
}

func (a xsyncMapAdapter) Get(k *benchKey) (*route, bool) { return a.m.Load(k.key) }

func (a xsyncMapAdapter) Set(k *benchKey, r *route) bool {
	a.m.Store(k.key, r)
	return true
}

// Settle returns at once: a Store is visible when it returns.
func (a xsyncMapAdapter) Settle() {}

// Close drops the map's entries.
func (a xsyncMapAdapter) Close() { a.m.Clear() }
