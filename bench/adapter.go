package bench

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// cacheUnderTest is the one surface the shared workloads drive. Each adapter
// maps it onto a cache's own API and adds nothing a user of that cache would
// not write.
type cacheUnderTest interface {
	// Get returns the route held for k.
	Get(k *benchKey) (*route, bool)
	// Set stores r for k with the cache's TTL. It returns false when the
	// cache dropped or refused the write (ristretto's lossy set buffer,
	// routecache's error).
	Set(k *benchKey, r *route) bool
	// Settle blocks until the writes accepted so far are applied (ristretto
	// and theine apply them from a buffer; otter runs its pending
	// maintenance). Measurements call it after filling and before reading.
	Settle()
	// Close stops the cache's goroutines and lets its memory go.
	Close()
}

// cacheOptions is what every cache is configured with.
type cacheOptions struct {
	capacity int           // most entries held at once (a bound, not a preallocation)
	ttl      time.Duration // lifetime of every write
}

// holdCapacity returns the capacity given to every cache that must hold n
// keys without evicting: n plus 1/16, which covers routecache's split of the
// capacity across shards (a shard's share of n random keys stays within a
// few percent of n/shards) and keeps admission policies from refusing keys.
func holdCapacity(n int) int {
	return n + n/16 + 64
}

// contender is one cache in the comparison.
type contender struct {
	name string
	open func(cacheOptions) (cacheUnderTest, error)
	// bounded reports whether the cache enforces the capacity; go-cache and
	// the bare maps grow without limit.
	bounded bool
	// floor marks the contenders that are not caches: the bare concurrent
	// maps (no TTL, no capacity: the cost of the lookup alone) and the floor
	// of routecache's own design (adapter_floor.go).
	floor bool
}

// contenders lists routecache first, then the peers, then the floors.
func contenders() []contender {
	return []contender{
		{name: "routecache", open: openRoutecache, bounded: true},
		{name: "otter", open: openOtter, bounded: true},
		{name: "ristretto", open: openRistretto, bounded: true},
		{name: "theine", open: openTheine, bounded: true},
		{name: "ttlcache", open: openTTLCache, bounded: true},
		{name: "gocache", open: openGoCache},
		{name: "lru", open: openExpirableLRU, bounded: true},
		{name: "floor", open: openFloor, floor: true},
		{name: "floorget", open: openFloorGet, floor: true},
		{name: "floorevict", open: openFloorEvict, bounded: true, floor: true},
		{name: "xsyncmap", open: openXsyncMap, floor: true},
		{name: "syncmap", open: openSyncMap, floor: true},
	}
}

// selectContenders returns the contenders named in the comma-separated list,
// in the order of contenders(); an empty list selects all.
func selectContenders(list string) ([]contender, error) {
	all := contenders()
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	wanted := make(map[string]bool)
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name != "" {
			wanted[name] = true
		}
	}
	var selected []contender
	for _, c := range all {
		if wanted[c.name] {
			selected = append(selected, c)
			delete(wanted, c.name)
		}
	}
	for name := range wanted {
		return nil, fmt.Errorf("unknown cache %q", name)
	}
	return selected, nil
}

// defaultShards is routecache's documented default shard count,
// max(2, 2*GOMAXPROCS). The adapter passes it explicitly so that the
// per-shard capacity it derives from a total capacity is exact.
func defaultShards() int {
	return max(2, 2*runtime.GOMAXPROCS(0))
}
