package fleet_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/fleet"
	"github.com/nats-io/nats.go/jetstream"
)

// acked remembers, per key, the highest counter whose write the bucket
// acknowledged. Values are "w<writer>-<counter>"; each writer owns its keys.
type acked struct {
	mu   sync.Mutex
	last map[routecache.Key]int
}

func (a *acked) record(k routecache.Key, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last == nil {
		a.last = map[routecache.Key]int{}
	}
	a.last[k] = max(a.last[k], n)
}

// check fails unless the bucket holds, for every key, a write at or after
// the last acknowledged one: nothing acknowledged was lost.
func (a *acked) check(t *testing.T, bucket map[routecache.Key]string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, n := range a.last {
		var writer, got int
		if _, err := fmt.Sscanf(bucket[k], "w%d-%d", &writer, &got); err != nil || got < n {
			t.Errorf("%v: bucket holds %q, acknowledged write %d lost", k, bucket[k], n)
		}
	}
}

// writers keeps one goroutine per member writing through it until stop,
// and remembers what the bucket acknowledged.
type writers struct {
	acked acked
	acks  atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startWriters(members []*fleet.Member[string]) *writers {
	w := &writers{stop: make(chan struct{})}
	for i, m := range members {
		w.wg.Go(func() { w.loop(m, i) })
	}
	return w
}

// loop writes through m until stop is closed: key writer*100+i%10, value
// "w<writer>-<i>". A refused write is retried after a short pause.
func (w *writers) loop(m *fleet.Member[string], writer int) {
	for i := 1; ; i++ {
		select {
		case <-w.stop:
			return
		default:
		}
		k := key(writer*100 + i%10)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := m.Set(ctx, k, fmt.Sprintf("w%d-%d", writer, i))
		cancel()
		if err == nil {
			w.acked.record(k, i)
			w.acks.Add(1)
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// waitAcks waits for n more acknowledged writes.
func (w *writers) waitAcks(t *testing.T, n int64) {
	t.Helper()
	start := w.acks.Load()
	waitFor(t, 20*time.Second, fmt.Sprintf("%d more acknowledged writes", n), func() bool { return w.acks.Load() >= start+n })
}

// finish stops the writers and checks that bucket holds every
// acknowledged write.
func (w *writers) finish(t *testing.T, bucket func() map[routecache.Key]string) {
	t.Helper()
	close(w.stop)
	w.wg.Wait()
	w.acked.check(t, bucket())
}

func TestServerRestartWhileMembersWrite(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, -1)
	port := s.Addr().(*net.TCPAddr).Port
	url := s.ClientURL()
	members := make([]*fleet.Member[string], 3)
	for i := range members {
		members[i], _ = join(t, url, fleet.Config[string]{})
	}
	w := startWriters(members)
	w.waitAcks(t, 100)
	s.Shutdown()
	s.WaitForShutdown()
	startServer(t, dir, port)
	w.waitAcks(t, 100)
	w.finish(t, func() map[routecache.Key]string { return settledBucket(t, connect(t, url), members) })
	for i, m := range members {
		if m.Stats().Reconnects == 0 {
			t.Errorf("member %d did not count its reconnect: %+v", i, m.Stats())
		}
	}
}

func TestClusterSurvivesLosingOneServer(t *testing.T) {
	servers := startCluster(t)
	members := make([]*fleet.Member[string], 3)
	for i := range members {
		members[i], _ = join(t, clusterURL(servers, i), fleet.Config[string]{Replicas: 3})
	}
	w := startWriters(members)
	w.waitAcks(t, 100)
	servers[0].Shutdown() // member 0 is connected to it
	w.waitAcks(t, 200)
	w.finish(t, func() map[routecache.Key]string {
		return settledBucket(t, connect(t, clusterURL(servers, 1)), members)
	})
	if members[0].Stats().Reconnects == 0 {
		t.Errorf("member on the dead server did not reconnect: %+v", members[0].Stats())
	}
}

func TestPartitionedMemberConverges(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	relay := newCutter(t, s.Addr().String())
	isolated, _ := join(t, relay.url(), fleet.Config[string]{})
	others := make([]*fleet.Member[string], 2)
	for i := range others {
		others[i], _ = join(t, s.ClientURL(), fleet.Config[string]{})
	}
	ctx := context.Background()
	for i := range 3 {
		if err := others[0].Set(ctx, key(i), "before"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, "isolated member sees the first writes", func() bool { return routeOf(isolated, key(2)) == "before" })

	relay.partition()
	waitFor(t, 5*time.Second, "isolated member notices", func() bool {
		return isolated.Set(ctx, key(10), "mine") != nil
	})
	if err := isolated.Set(ctx, key(11), "mine-too"); !isUnavailable(err) {
		t.Fatalf("write while partitioned = %v, want ErrUnavailable", err)
	}
	if routeOf(isolated, key(11)) != "mine-too" {
		t.Fatal("a write while partitioned was not applied locally")
	}
	if err := others[1].Set(ctx, key(0), "during"); err != nil {
		t.Fatal(err)
	}
	if err := others[1].Delete(ctx, key(1)); err != nil {
		t.Fatal(err)
	}
	relay.heal()

	bucketHas := func() bool {
		r := bucketRoutes(t, connect(t, s.ClientURL()), fleet.DefaultBucket)
		return r[key(11)] == "mine-too"
	}
	waitFor(t, 30*time.Second, "the partitioned write shared after healing", bucketHas)
	bucket := settledBucket(t, connect(t, s.ClientURL()), append(others, isolated))
	if bucket[key(0)] != "during" || bucket[key(1)] != "" || bucket[key(11)] != "mine-too" {
		t.Fatalf("bucket after healing: %v", bucket)
	}
	st := isolated.Stats()
	if st.Reconnects == 0 || st.Unavailable == 0 || st.Republished == 0 {
		t.Fatalf("stats of the partitioned member: %+v", st)
	}
}

func TestBadDataIsSkippedAndCounted(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	m, js := join(t, s.ClientURL(), fleet.Config[string]{})
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, fleet.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	writer, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	if err := writer.Set(ctx, key(1), "good"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the good route", func() bool { return routeOf(m, key(1)) == "good" })
	bucketKeyOfKey1 := ""
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys.Keys() {
		bucketKeyOfKey1 = k
	}
	// Each bad value goes to its own key: the bucket keeps one revision per
	// key, so a watcher may only ever see the last of two quick puts on one.
	for _, put := range []struct{ key, value string }{
		{"someone.else", "hello"},        // foreign key
		{"rc.x", "short"},                // foreign: wrong token count
		{"rc.AA.AA.AA", "??"},            // ours by shape, value not an envelope
		{bucketKeyOfKey1, "\x01garbage"}, // too short for an envelope
		{fleet.BucketKey(key(3)), "\x01\x00\x00\x00\x00\x00\x00\x00\x00not json"},
	} {
		if _, err := kv.Put(ctx, put.key, []byte(put.value)); err != nil {
			t.Fatal(err)
		}
	}
	if err := writer.Set(ctx, key(2), "after"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a good write after the bad ones", func() bool { return routeOf(m, key(2)) == "after" })
	st := m.Stats()
	if st.Foreign != 2 || st.Undecodable != 3 || st.Skipped != 5 {
		t.Fatalf("stats: %+v", st)
	}
	// A member joining now skips the same entries during its warm start.
	late, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	if st := late.Stats(); st.Foreign != 2 || st.Undecodable != 3 || st.Skipped != 5 {
		t.Fatalf("late member stats: %+v", st)
	}
	if routeOf(late, key(2)) != "after" {
		t.Fatal("late member missed the good route")
	}
}

func TestRouteLifetimeEndsEverywhere(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	start := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	clocks := []*routecache.FakeClock{routecache.NewFakeClock(start), routecache.NewFakeClock(start)}
	a, js := joinCache(t, s.ClientURL(), newCache(t, clocks[0]), fleet.Config[string]{})
	b, _ := joinCache(t, s.ClientURL(), newCache(t, clocks[1]), fleet.Config[string]{})
	ctx := context.Background()
	if err := a.SetWithTTL(ctx, key(1), "short", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, key(2), "long"); err != nil {
		t.Fatal(err)
	}
	setAt := time.Now()
	waitFor(t, 5*time.Second, "b has both routes", func() bool { return routeOf(b, key(1)) == "short" && routeOf(b, key(2)) == "long" })

	// The caches' side: fake time past the lifetime.
	for _, c := range clocks {
		c.Advance(200 * time.Millisecond)
	}
	for _, m := range []*fleet.Member[string]{a, b} {
		if routeOf(m, key(1)) != "" || routeOf(m, key(2)) != "long" {
			t.Fatal("the short route outlived its TTL in a cache")
		}
	}

	// The bucket's side is real server time: once the wall clock passes the
	// expiry a late member must not bring the route back, and the bucket
	// itself forgets the key within its one-second TTL granularity.
	waitFor(t, 2*time.Second, "the wall clock past the expiry", func() bool { return time.Since(setAt) > 250*time.Millisecond })
	late, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	if routeOf(late, key(1)) != "" || routeOf(late, key(2)) != "long" {
		t.Fatalf("late member routes: %v", liveRoutes(late.Cache()))
	}
	kv, err := js.KeyValue(ctx, fleet.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	list, _ := kv.ListKeys(ctx)
	for k := range list.Keys() {
		keys[k] = true
	}
	waitFor(t, 5*time.Second, "the bucket forgets the short route", func() bool {
		n := 0
		for k := range keys {
			if _, err := kv.Get(ctx, k); err == nil {
				n++
			} else if err != jetstream.ErrKeyNotFound {
				return false
			}
		}
		return n == 1
	})
}

func TestMemberReloadsABucketRecreatedWhileAway(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	relay := newCutter(t, s.Addr().String())
	away, awayJS := join(t, relay.url(), fleet.Config[string]{})
	ctx := context.Background()
	for i := range 3 {
		if err := away.Set(ctx, key(i), "old"); err != nil {
			t.Fatal(err)
		}
	}
	relay.partition()
	waitFor(t, 30*time.Second, "the member notices", func() bool { return !awayJS.Conn().IsConnected() })

	// The bucket is recreated with more revisions than the member saw, so
	// its last revision exists in the new stream too: only the stream's
	// identity tells the member that its history is gone.
	if err := connect(t, s.ClientURL()).DeleteKeyValue(ctx, fleet.DefaultBucket); err != nil {
		t.Fatal(err)
	}
	writer, js := join(t, s.ClientURL(), fleet.Config[string]{})
	for i := 1; i < 12; i++ {
		if err := writer.Set(ctx, key(i), "new"); err != nil {
			t.Fatal(err)
		}
	}
	relay.heal()

	bucket := settledBucket(t, js, []*fleet.Member[string]{away, writer})
	if len(bucket) != 11 || bucket[key(0)] != "" || bucket[key(2)] != "new" {
		t.Fatalf("bucket: %v", bucket)
	}
	if st := away.Stats(); st.Reconnects == 0 || st.Reloads == 0 {
		t.Fatalf("stats of the member that was away: %+v", st)
	}
}
