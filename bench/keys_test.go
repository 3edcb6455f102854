package bench

import (
	"testing"

	"github.com/c41db742/routecache"
)

func TestGenerateKeys(t *testing.T) {
	const n = 30_000
	set := generateKeys(n, 7)
	if len(set.keys) != n || len(set.rooms)+len(set.threads) != n {
		t.Fatalf("got %d keys (%d rooms, %d threads), want %d", len(set.keys), len(set.rooms), len(set.threads), n)
	}

	roomShare := float64(len(set.rooms)) / n
	if roomShare < 0.30 || roomShare > 0.37 {
		t.Errorf("%.3f of the keys have no thread, want about a third", roomShare)
	}

	seen := make(map[routecache.Key]bool, n)
	for i, k := range set.keys {
		if seen[k.key] {
			t.Fatalf("key %v generated twice", k.key)
		}
		seen[k.key] = true
		if k.key.Channel == "" || k.key.Bridge == "" || k.key.Room == "" {
			t.Fatalf("key %d has an empty field: %+v", i, k.key)
		}
		if k.flat != k.key.String() {
			t.Fatalf("flat form %q differs from String %q", k.flat, k.key.String())
		}
	}
	for _, i := range set.threads {
		if !seen[set.keys[i].key.RoomScope()] {
			t.Fatalf("thread key %v has no room key in the set", set.keys[i].key)
		}
	}
	for _, i := range set.rooms {
		if set.keys[i].key.Thread != "" {
			t.Fatalf("room index %d points at a thread key", i)
		}
	}
}

func TestGenerateKeysIsDeterministic(t *testing.T) {
	a, b, other := generateKeys(500, 11), generateKeys(500, 11), generateKeys(500, 12)
	for i := range a.keys {
		if a.keys[i] != b.keys[i] {
			t.Fatalf("key %d differs between two runs with the same seed", i)
		}
	}
	same := 0
	for i := range a.keys {
		if a.keys[i] == other.keys[i] {
			same++
		}
	}
	if same == len(a.keys) {
		t.Fatal("another seed produced the same keys")
	}
}

func TestGenerateRoutesAreDistinct(t *testing.T) {
	routes := generateRoutes()
	seen := make(map[*route]bool)
	for _, r := range routes {
		if r == nil || seen[r] || r.upstream == "" {
			t.Fatalf("route pool has a nil, repeated or empty route: %+v", r)
		}
		seen[r] = true
	}
}
