package bench

import (
	"testing"

	"github.com/c41db742/routecache"
)

// TestPruneRotationExpiresOneBatchPerStep runs the Prune workload's rotation
// for three full cycles on a small cache: every clock step must expire
// exactly one batch, and Prune must remove exactly that batch, or the
// benchmark's ns/expired would divide by the wrong count.
func TestPruneRotationExpiresOneBatchPerStep(t *testing.T) {
	cfg := suiteConfig{pruneHeld: 2_000, pruneExpired: 100, seed: 9}
	rotation := newPruneRotation(cfg)
	routes := generateRoutes()
	cache, err := routecache.New(routecache.Config[*route]{
		Shards:             4,
		TTL:                rotation.ttl,
		MaxEntriesPerShard: cfg.pruneHeld,
		PruneInterval:      -1,
		Clock:              rotation.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	rotation.fill(t, cache, routes)
	if removed := cache.Prune(); removed != 0 {
		t.Fatalf("Prune right after the fill removed %d entries, want 0", removed)
	}
	for step := range 3 * rotation.batches {
		rotation.clock.Advance(pruneStep)
		if removed := cache.Prune(); removed != cfg.pruneExpired {
			t.Fatalf("step %d: Prune removed %d entries, want %d", step, removed, cfg.pruneExpired)
		}
		if held := cache.Len(); held != cfg.pruneHeld-cfg.pruneExpired {
			t.Fatalf("step %d: %d entries held after Prune, want %d", step, held, cfg.pruneHeld-cfg.pruneExpired)
		}
		rotation.rewriteOldest(t, cache, routes)
	}
}
