package fuzz

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c41db742/routecache"
)

// Bounds FuzzConfig puts on the values that cost memory in proportion, so
// one exec stays small; any other value, negative ones included, goes to
// New as the fuzzer made it.
const (
	// maxFuzzShards: every shard carries its own map and expiry wheel.
	maxFuzzShards = 64
	// maxBoundaryKeyBytes: the boundary key is built only up to this size.
	maxBoundaryKeyBytes = 4096
	// probeKeyBytes is the key length the capacity and TTL checks need.
	probeKeyBytes = 16
	// deadlockGuard bounds a wait for another goroutine's OnEvict call:
	// far beyond any scheduling delay, so reaching it means a hang.
	deadlockGuard = 2 * time.Minute
)

// FuzzConfig feeds New arbitrary settings. It never panics; a negative
// Shards, TTL, MaxEntriesPerShard or MaxKeyBytes returns ErrInvalidConfig
// and no cache; everything else (a negative PruneInterval means no
// background sweep) returns a cache that applies the settings: shard count,
// key length limit, TTL and per-shard capacity are each checked.
func FuzzConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, shards int, ttl int64, maxEntries int, pruneInterval int64, maxKeyBytes int, fakeClock bool) {
		if shards > maxFuzzShards {
			shards %= maxFuzzShards + 1
		}
		clock := routecache.NewFakeClock(fuzzStart())
		rec := &evictRecorder[string]{}
		cfg := routecache.Config[string]{
			Shards:             shards,
			TTL:                time.Duration(ttl),
			MaxEntriesPerShard: maxEntries,
			PruneInterval:      time.Duration(pruneInterval),
			MaxKeyBytes:        maxKeyBytes,
			OnEvict:            rec.record,
		}
		if fakeClock {
			cfg.Clock = clock
		}
		c, err := routecache.New(cfg)
		if shards < 0 || ttl < 0 || maxEntries < 0 || maxKeyBytes < 0 {
			if !errors.Is(err, routecache.ErrInvalidConfig) || c != nil {
				t.Fatalf("New(%+v) = %v, %v; want nil, ErrInvalidConfig", cfg, c, err)
			}
			return
		}
		if err != nil || c == nil {
			t.Fatalf("New(%+v) = %v, %v; want a cache", cfg, c, err)
		}
		defer func() {
			if err := c.Close(); err != nil {
				t.Fatalf("Close = %v", err)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("second Close = %v", err)
			}
		}()
		checkShardCount(t, c, shards)
		checkKeyLimit(t, c, maxKeyBytes)
		if fakeClock && (maxKeyBytes == 0 || maxKeyBytes >= probeKeyBytes) {
			// Only with a FakeClock are expiry and eviction independent of
			// how fast this goroutine runs.
			checkCapacity(t, c, rec, maxEntries, pruneInterval >= 0)
			checkTTL(t, c, clock, time.Duration(ttl), pruneInterval >= 0)
		}
	})
}

func checkShardCount(t *testing.T, c *routecache.Cache[string], shards int) {
	t.Helper()
	want := shards
	if want == 0 {
		want = max(2, 2*runtime.GOMAXPROCS(0))
	}
	if c.Shards() != want {
		t.Fatalf("Shards() = %d, want %d", c.Shards(), want)
	}
}

// checkKeyLimit writes a key exactly at the limit, which must be accepted,
// and one a byte over it, which must be refused. A limit below three bytes
// refuses every key: channel, bridge and room need a byte each.
func checkKeyLimit(t *testing.T, c *routecache.Cache[string], maxKeyBytes int) {
	t.Helper()
	limit := maxKeyBytes
	if limit == 0 {
		limit = 1024
	}
	if limit < 3 {
		if err := c.Set(routecache.Key{Channel: "c", Bridge: "b", Room: "r"}, "v"); !errors.Is(err, routecache.ErrInvalidKey) {
			t.Fatalf("limit %d: Set of a 3-byte key = %v, want ErrInvalidKey", limit, err)
		}
		return
	}
	at := routecache.Key{Channel: "c", Bridge: "b", Room: "r", Thread: strings.Repeat("t", min(limit, maxBoundaryKeyBytes)-3)}
	if err := c.Set(at, "v"); err != nil {
		t.Fatalf("limit %d: Set of a %d-byte key = %v", limit, min(limit, maxBoundaryKeyBytes), err)
	}
	// With a real clock and a tiny TTL the background sweep may remove the
	// key before Delete does, so what is checked is that it is gone.
	c.Delete(at)
	if _, err := c.Get(at); !errors.Is(err, routecache.ErrNotFound) {
		t.Fatalf("limit %d: Get after Delete = %v, want ErrNotFound", limit, err)
	}
	if limit > maxBoundaryKeyBytes {
		return
	}
	over := at
	over.Thread += "t"
	if err := c.Set(over, "v"); !errors.Is(err, routecache.ErrInvalidKey) {
		t.Fatalf("limit %d: Set of a %d-byte key = %v, want ErrInvalidKey", limit, limit+1, err)
	}
}

// checkCapacity fills one shard one key past a small capacity: exactly one
// entry must leave, reported as EvictCapacity (the clock stands still, so
// nothing has expired). Large capacities are not filled, to keep execs fast.
//
// With background sweeping on, the sweep may hold the shard's maintenance
// lock when the last Set goes over capacity. The Set still does not return
// before the shard is back within capacity, but the eviction may then be
// the sweep's, and its OnEvict call comes when the sweep lets go of the
// lock, possibly just after the Set returned. The check waits for that
// call, however long it takes: deadlockGuard only turns a hang into a
// failure.
func checkCapacity(t *testing.T, c *routecache.Cache[string], rec *evictRecorder[string], maxEntries int, background bool) {
	t.Helper()
	if maxEntries == 0 || maxEntries > 8 {
		return
	}
	rec.drain(nil)
	before := c.Len()
	keys := keysInShard(c, 0, maxEntries+1)
	for _, k := range keys {
		if err := c.Set(k, "v"); err != nil {
			t.Fatalf("Set(%q) = %v", k.String(), err)
		}
	}
	if got := c.Len(); got != before+maxEntries {
		t.Fatalf("capacity %d: Len = %d after %d writes to one shard, want %d", maxEntries, got, len(keys), before+maxEntries)
	}
	calls := rec.drain(nil)
	if background && len(calls) == 0 {
		var ok bool
		if calls, ok = rec.await(calls, 1, deadlockGuard); !ok {
			t.Fatalf("capacity %d: no OnEvict call from the background sweep within %v: deadlock?", maxEntries, deadlockGuard)
		}
	}
	want := []evictCall[string]{{key: keys[0], route: "v", reason: routecache.EvictCapacity}}
	if !sameCalls(calls, want) {
		t.Fatalf("capacity %d: OnEvict calls %v, want %v", maxEntries, calls, want)
	}
	for _, k := range keys[1:] {
		c.Delete(k)
	}
	rec.drain(nil)
}

// keysInShard returns n distinct short keys that ShardOf puts in shard.
func keysInShard(c *routecache.Cache[string], shard, n int) []routecache.Key {
	var keys []routecache.Key
	for i := 0; len(keys) < n; i++ {
		k := routecache.Key{Channel: "c", Bridge: "b", Room: "r" + strconv.Itoa(i)}
		if c.ShardOf(k) == shard {
			keys = append(keys, k)
		}
	}
	return keys
}

// checkTTL writes with the default TTL and checks the record's times, that
// the route is alive just before its expiry and expired at it. With
// background pruning on, the sweep may remove the expired route before Get
// meets it, so ErrNotFound is right then too.
func checkTTL(t *testing.T, c *routecache.Cache[string], clock *routecache.FakeClock, ttl time.Duration, pruning bool) {
	t.Helper()
	if ttl == 0 {
		ttl = 30 * time.Minute
	}
	k := routecache.Key{Channel: "c", Bridge: "b", Room: "ttl"}
	now := clock.Now()
	if err := c.Set(k, "v"); err != nil {
		t.Fatalf("Set = %v", err)
	}
	r, err := c.Get(k)
	if err != nil || r.Route != "v" || !r.UpdatedAt.Equal(now) || !r.ExpiresAt.Equal(now.Add(ttl)) {
		t.Fatalf("TTL %v: Get = %+v, %v; want v written %v expiring %v", ttl, r, err, now, now.Add(ttl))
	}
	clock.Advance(ttl - 1)
	if _, err := c.Get(k); err != nil {
		t.Fatalf("TTL %v: Get 1ns before expiry = %v", ttl, err)
	}
	clock.Advance(1)
	_, err = c.Get(k)
	if !errors.Is(err, routecache.ErrExpired) && !(pruning && errors.Is(err, routecache.ErrNotFound)) {
		t.Fatalf("TTL %v: Get at expiry = %v, want ErrExpired", ttl, err)
	}
}
