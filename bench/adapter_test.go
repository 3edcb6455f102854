package bench

import (
	"testing"
	"time"
)

// TestContendersStoreAndReturnRoutes checks each adapter end to end: what is
// Set is returned by Get, an overwrite replaces the route, and a key never
// written misses. A harness that measured a cache returning nothing would
// report a fast miss as a hit.
func TestContendersStoreAndReturnRoutes(t *testing.T) {
	keys := generateKeys(2_000, 1)
	routes := generateRoutes()
	stored, never := keys.keys[:1_000], keys.keys[1_000:]
	for _, c := range contenders() {
		t.Run(c.name, func(t *testing.T) {
			cache := openFilled(t, c, cacheOptions{capacity: holdCapacity(len(stored)), ttl: time.Hour}, stored, routes)
			defer cache.Close()

			// Admission policies may decline a few first writes; the bare
			// maps and the caches without admission must keep all.
			if share := residentShare(cache, stored); share < 0.95 {
				t.Fatalf("holds %.3f of the keys written, want at least 0.95", share)
			}
			for i := range stored {
				if got, ok := cache.Get(&stored[i]); ok && got != routes[i%len(routes)] {
					t.Fatalf("Get(%v) = %v, want %v", stored[i].key, got, routes[i%len(routes)])
				}
			}
			for i := range never {
				if got, ok := cache.Get(&never[i]); ok {
					t.Fatalf("Get of a key never written returned %v", got)
				}
			}

			k := &stored[0]
			replacement := &route{upstream: "replacement:1", epoch: 99}
			if !cache.Set(k, replacement) {
				t.Fatal("Set of a held key was dropped")
			}
			cache.Settle()
			if got, ok := cache.Get(k); !ok || got != replacement {
				t.Fatalf("after an overwrite Get = %v, %v; want the replacement", got, ok)
			}
		})
	}
}

// TestBoundedContendersKeepTheirCapacity writes four times the capacity in
// distinct keys and checks that every cache marked bounded holds at most the
// capacity (with 10 % slack for caches whose bound is approximate), and that
// the unbounded ones are what they claim.
func TestBoundedContendersKeepTheirCapacity(t *testing.T) {
	const capacity = 1_000
	keys := generateKeys(4*capacity, 2)
	routes := generateRoutes()
	for _, c := range contenders() {
		t.Run(c.name, func(t *testing.T) {
			cache := openFilled(t, c, cacheOptions{capacity: capacity, ttl: time.Hour}, keys.keys, routes)
			defer cache.Close()
			held := residentShare(cache, keys.keys) * float64(len(keys.keys))
			switch {
			case c.bounded && held > 1.1*capacity:
				t.Fatalf("holds %.0f entries, capacity %d", held, capacity)
			case !c.bounded && held != float64(len(keys.keys)):
				t.Fatalf("unbounded cache holds %.0f of %d entries", held, len(keys.keys))
			}
		})
	}
}

func TestRoutecacheConfigSplitsCapacityAcrossShards(t *testing.T) {
	shards := defaultShards()
	tests := []struct {
		capacity     int
		wantPerShard int
	}{
		{capacity: shards, wantPerShard: 1},
		{capacity: shards + 1, wantPerShard: 2},
		{capacity: 100 * shards, wantPerShard: 100},
	}
	for _, tt := range tests {
		cfg := routecacheConfig(cacheOptions{capacity: tt.capacity, ttl: time.Minute})
		if cfg.Shards != shards || cfg.MaxEntriesPerShard != tt.wantPerShard || cfg.TTL != time.Minute {
			t.Errorf("capacity %d: got %d shards × %d, TTL %v; want %d × %d, 1m",
				tt.capacity, cfg.Shards, cfg.MaxEntriesPerShard, cfg.TTL, shards, tt.wantPerShard)
		}
	}
}

func TestSelectContenders(t *testing.T) {
	all, err := selectContenders("")
	if err != nil || len(all) != len(contenders()) {
		t.Fatalf("empty list: %d contenders, %v; want all %d", len(all), err, len(contenders()))
	}
	picked, err := selectContenders(" theine,routecache ,")
	if err != nil {
		t.Fatal(err)
	}
	if len(picked) != 2 || picked[0].name != "routecache" || picked[1].name != "theine" {
		t.Fatalf("got %v, want routecache then theine", names(picked))
	}
	if _, err := selectContenders("routecache,memcached"); err == nil {
		t.Fatal("an unknown cache name was accepted")
	}
}

func names(cs []contender) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}
