package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/fleet"
	"github.com/nats-io/nats.go/jetstream"
)

// newCache returns a cache closed when the test ends.
func newCache(t testing.TB, clock routecache.Clock) *routecache.Cache[string] {
	t.Helper()
	c, err := routecache.New(routecache.Config[string]{Clock: clock, MaxEntriesPerShard: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// join makes a new cache a member over its own connection to url.
func join(t testing.TB, url string, cfg fleet.Config[string]) (*fleet.Member[string], jetstream.JetStream) {
	t.Helper()
	return joinCache(t, url, newCache(t, nil), cfg)
}

func joinCache(t testing.TB, url string, c *routecache.Cache[string], cfg fleet.Config[string]) (*fleet.Member[string], jetstream.JetStream) {
	t.Helper()
	js := connect(t, url)
	// Generous: CI runs these tests under the race detector beside the
	// root module's, on two cores, and a join that creates a replicated
	// bucket once took longer than 20 s there. A healthy join takes well
	// under a second.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := fleet.Join(ctx, js, c, cfg)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, js
}

// key returns a test key; i picks the room.
func key(i int) routecache.Key {
	return routecache.Key{Channel: "telegram", Bridge: "bot:1", Room: fmt.Sprintf("room.%d", i)}
}

// routeOf is the live route of k in m's cache, or "".
func routeOf(m *fleet.Member[string], k routecache.Key) string {
	rec, err := m.Cache().Get(k)
	if err != nil {
		return ""
	}
	return rec.Route
}

// bucketRoutes reads every live route of the bucket through a fresh
// member-less watch: the truth members must converge to.
func bucketRoutes(t testing.TB, js jetstream.JetStream, bucket string) map[routecache.Key]string {
	t.Helper()
	routes, err := readBucket(t, js, bucket)
	if err != nil {
		t.Fatalf("reading the bucket: %v", err)
	}
	return routes
}

// readBucket is bucketRoutes for callers that retry: right after a server
// loss, JetStream may not answer the watch request in time.
func readBucket(t testing.TB, js jetstream.JetStream, bucket string) (map[routecache.Key]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	probe := newCache(t, nil)
	m, err := fleet.Join(ctx, js, probe, fleet.Config[string]{Bucket: bucket})
	if err != nil {
		return nil, err
	}
	m.Close()
	return liveRoutes(probe), nil
}

func liveRoutes(c *routecache.Cache[string]) map[routecache.Key]string {
	out := map[routecache.Key]string{}
	for k, rec := range c.All() {
		out[k] = rec.Route
	}
	return out
}

// equalRoutes reports whether m's live routes are exactly want.
func equalRoutes(m *fleet.Member[string], want map[routecache.Key]string) bool {
	got := liveRoutes(m.Cache())
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// isUnavailable reports whether err wraps fleet.ErrUnavailable.
func isUnavailable(err error) bool { return errors.Is(err, fleet.ErrUnavailable) }

// requireConverged waits until m's live routes equal bucket, and otherwise
// fails with the first differences and m's Stats.
func requireConverged(t *testing.T, name string, m *fleet.Member[string], bucket map[routecache.Key]string) {
	t.Helper()
	end := time.Now().Add(30 * time.Second)
	for !equalRoutes(m, bucket) {
		if time.Now().After(end) {
			reportDivergence(t, name, m, bucket)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// reportDivergence fails with the first differences between m's live
// routes and bucket, and m's Stats.
func reportDivergence(t *testing.T, name string, m *fleet.Member[string], bucket map[routecache.Key]string) {
	t.Helper()
	got := liveRoutes(m.Cache())
	shown := 0
	for k, v := range bucket {
		if got[k] != v && shown < 5 {
			t.Errorf("%s: %v holds %q, bucket %q", name, k, got[k], v)
			shown++
		}
	}
	for k, v := range got {
		if _, ok := bucket[k]; !ok && shown < 10 {
			t.Errorf("%s: %v holds %q, bucket nothing", name, k, v)
			shown++
		}
	}
	t.Fatalf("%s did not converge: %+v", name, m.Stats())
}

// settleEvery is how long the bucket must stay unchanged, with every
// member equal to it, to count as settled: longer than a member's retry
// period for the writes a fault left pending.
const settleEvery = 500 * time.Millisecond

// settledBucket waits until the fleet has settled after its writers
// stopped, and returns the bucket's live routes: two reads of the bucket
// settleEvery apart are equal and every member's live routes equal them.
// Writers stopping is not enough: a member still shares, then confirms,
// the writes a fault left pending (a publish that timed out just before
// the writers stopped), so an earlier read of the bucket may be stale.
// Right after a server loss a read may also fail or briefly lag what
// members were already sent; it is retried.
func settledBucket(t *testing.T, js jetstream.JetStream, members []*fleet.Member[string]) map[routecache.Key]string {
	t.Helper()
	end := time.Now().Add(60 * time.Second) // a deadlock guard only
	var last map[routecache.Key]string
	for {
		bucket, err := readBucket(t, js, fleet.DefaultBucket)
		switch {
		case err != nil:
			last = nil
		case last != nil && maps.Equal(bucket, last) && allEqual(members, bucket):
			return bucket
		case allEqual(members, bucket):
			last = bucket
		default:
			last = nil
		}
		if time.Now().After(end) {
			if err != nil {
				t.Fatalf("reading the bucket: %v", err)
			}
			for i, m := range members {
				if !equalRoutes(m, bucket) {
					reportDivergence(t, fmt.Sprintf("member %d", i), m, bucket)
				}
			}
			t.Fatal("the bucket did not stop changing")
		}
		if last != nil {
			time.Sleep(settleEvery)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// allEqual reports whether every member's live routes are exactly want.
func allEqual(members []*fleet.Member[string], want map[routecache.Key]string) bool {
	for _, m := range members {
		if !equalRoutes(m, want) {
			return false
		}
	}
	return true
}
