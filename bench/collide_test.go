package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/internal/collide"
)

// collideTTL is the lifetime of every entry of the Collide workload; only
// op=prune moves its fake clock past it.
const collideTTL = 30 * time.Minute

// collideKeys holds, for one count n, 2n keys whose rooms share one XXH64
// (so every key shares routecache's 64-bit key hash and shard) and 2n
// ordinary keys of the same shape in that same shard.
type collideKeys struct {
	colliding, ordinary []routecache.Key
}

// newCollideKeys builds the keys for n. The rooms are computed by inverting
// XXH64 (internal/collide), as a hostile client would; the ordinary rooms
// are random bytes of the same length, kept when they fall in the
// colliding keys' shard of a cache with shards shards.
func newCollideKeys(tb testing.TB, n int, shards int, seed uint64) collideKeys {
	tb.Helper()
	probe, err := routecache.New(routecache.Config[*route]{Shards: shards, PruneInterval: -1})
	if err != nil {
		tb.Fatal(err)
	}
	defer probe.Close()

	var keys collideKeys
	for _, room := range collide.Rooms(2*n, seed) {
		keys.colliding = append(keys.colliding, routecache.Key{Channel: "c", Bridge: "b", Room: room})
	}
	shard := probe.ShardOf(keys.colliding[0])
	r := rand.New(rand.NewPCG(seed, 0xc0111de))
	room := make([]byte, collide.Size)
	for len(keys.ordinary) < 2*n {
		for i := range room {
			room[i] = byte(r.Uint32())
		}
		k := routecache.Key{Channel: "c", Bridge: "b", Room: string(room)}
		if probe.ShardOf(k) == shard {
			keys.ordinary = append(keys.ordinary, k)
		}
	}
	return keys
}

// BenchmarkCollide measures Set, Get, Delete and Prune on n keys that all
// share one 64-bit hash against n ordinary keys of the same shard, for each
// n of BENCH_COLLIDE_KEYS (2,000 and 10,000). The shard's capacity is n, so
// the workload fills exactly that shard.
//
//   - op=set: n keys held; each Set writes a key that was evicted, so every
//     Set inserts and evicts the oldest.
//   - op=get: n keys held; every Get hits.
//   - op=delete: Delete of held keys, the shard refilled untimed.
//   - op=prune: one Prune removing all n keys, expired together; ns/expired
//     divides by n.
//
// The target is keys=colliding at most 3× keys=ordinary for each op and n.
func BenchmarkCollide(b *testing.B) {
	cfg := mustConfig(b)
	routes := generateRoutes()
	for _, n := range cfg.collideKeys {
		keys := newCollideKeys(b, n, defaultShards(), cfg.seed)
		for _, op := range collideOps() {
			for _, kind := range []struct {
				name string
				keys []routecache.Key
			}{{"colliding", keys.colliding}, {"ordinary", keys.ordinary}} {
				b.Run(fmt.Sprintf("n=%d/op=%s/keys=%s", n, op.name, kind.name), func(b *testing.B) {
					clock := routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
					cache, err := routecache.New(routecache.Config[*route]{
						Shards:             defaultShards(),
						TTL:                collideTTL,
						MaxEntriesPerShard: n,
						PruneInterval:      -1,
						Clock:              clock,
					})
					if err != nil {
						b.Fatal(err)
					}
					defer cache.Close()
					op.run(b, collideRun{cache: cache, clock: clock, keys: kind.keys, n: n, routes: routes})
				})
			}
		}
	}
}

// collideRun is what one Collide operation works on: a cache whose target
// shard holds at most n entries, and 2n keys of one kind for that shard.
type collideRun struct {
	cache  *routecache.Cache[*route]
	clock  *routecache.FakeClock
	keys   []routecache.Key
	n      int
	routes []*route
}

// fill writes keys[:count].
func (r collideRun) fill(b *testing.B, count int) {
	for i, k := range r.keys[:count] {
		mustSet(b, r.cache, k, r.routes[i%routePoolSize])
	}
}

type collideOp struct {
	name string
	run  func(b *testing.B, r collideRun)
}

func collideOps() []collideOp {
	return []collideOp{
		{"set", func(b *testing.B, r collideRun) {
			r.fill(b, r.n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := r.cache.Set(r.keys[(r.n+i)%(2*r.n)], r.routes[i%routePoolSize]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if held := r.cache.Len(); held != r.n {
				b.Fatalf("%d entries held after the Sets, want the shard's capacity %d", held, r.n)
			}
		}},
		{"get", func(b *testing.B, r collideRun) {
			r.fill(b, r.n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := r.cache.Get(r.keys[i%r.n]); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"delete", func(b *testing.B, r collideRun) {
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; {
				b.StopTimer()
				count := min(r.n, b.N-done)
				r.fill(b, count)
				b.StartTimer()
				for _, k := range r.keys[:count] {
					if !r.cache.Delete(k) {
						b.Fatalf("Delete(%q) found nothing", k.Room)
					}
				}
				done += count
			}
		}},
		{"prune", func(b *testing.B, r collideRun) {
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				r.fill(b, r.n)
				r.clock.Advance(collideTTL)
				b.StartTimer()
				if removed := r.cache.Prune(); removed != r.n {
					b.Fatalf("Prune removed %d entries, want %d", removed, r.n)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*r.n), "ns/expired")
		}},
	}
}

// TestCollideKeysShareOneShard checks the workload's premise: the
// colliding keys are distinct and land in one shard at every shard count,
// and the ordinary keys are distinct and in that shard too.
func TestCollideKeysShareOneShard(t *testing.T) {
	for _, shards := range []int{2, 16, 128} {
		keys := newCollideKeys(t, 50, shards, 3)
		cache, err := routecache.New(routecache.Config[*route]{Shards: shards, PruneInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		shard := cache.ShardOf(keys.colliding[0])
		for name, set := range map[string][]routecache.Key{"colliding": keys.colliding, "ordinary": keys.ordinary} {
			seen := make(map[routecache.Key]bool)
			for _, k := range set {
				if seen[k] || cache.ShardOf(k) != shard {
					t.Fatalf("%d shards: %s key %q repeated or in shard %d, want shard %d", shards, name, k.Room, cache.ShardOf(k), shard)
				}
				seen[k] = true
			}
		}
		cache.Close()
	}
}
