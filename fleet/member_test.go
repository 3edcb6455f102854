package fleet_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/fleet"
)

func TestSetAndDeleteReachEveryMember(t *testing.T) {
	for _, n := range []int{2, 5} {
		t.Run(fmt.Sprintf("%d members", n), func(t *testing.T) {
			s := startServer(t, t.TempDir(), -1)
			members := make([]*fleet.Member[string], n)
			for i := range members {
				members[i], _ = join(t, s.ClientURL(), fleet.Config[string]{})
			}
			ctx := context.Background()
			for i, m := range members {
				if err := m.Set(ctx, key(i), fmt.Sprintf("upstream-%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range members {
				waitFor(t, 5*time.Second, "every Set seen", func() bool {
					for i := range members {
						if routeOf(m, key(i)) != fmt.Sprintf("upstream-%d", i) {
							return false
						}
					}
					return true
				})
			}
			if err := members[n-1].Delete(ctx, key(0)); err != nil {
				t.Fatal(err)
			}
			for _, m := range members {
				waitFor(t, 5*time.Second, "the Delete seen", func() bool { return routeOf(m, key(0)) == "" })
			}
			st := members[0].Stats()
			if st.Published != 1 || st.Applied < uint64(n) || st.Skipped != 0 {
				t.Fatalf("stats of the first member: %+v", st)
			}
		})
	}
}

func TestConcurrentSetsConvergeToTheBucketsLastRevision(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	members := make([]*fleet.Member[string], 5)
	for i := range members {
		members[i], _ = join(t, s.ClientURL(), fleet.Config[string]{})
	}
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() {
			for j := range 50 {
				if err := m.Set(context.Background(), key(0), fmt.Sprintf("m%d-%d", i, j)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	js := connect(t, s.ClientURL())
	want := bucketRoutes(t, js, fleet.DefaultBucket)
	if len(want) != 1 {
		t.Fatalf("bucket holds %v", want)
	}
	for i, m := range members {
		waitFor(t, 5*time.Second, fmt.Sprintf("member %d converged", i), func() bool { return equalRoutes(m, want) })
	}
}

func TestWarmStartAfterTenThousandWrites(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	writer, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	const writes = 10_000
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < writes; i += 8 {
				if err := writer.Set(context.Background(), key(i), fmt.Sprintf("u%d", i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	late, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	// Join returns after the warm start: no waiting.
	if got := late.Cache().Len(); got != writes {
		t.Fatalf("late member holds %d routes after Join, want %d", got, writes)
	}
	for _, i := range []int{0, 4999, writes - 1} {
		if got := routeOf(late, key(i)); got != fmt.Sprintf("u%d", i) {
			t.Fatalf("route %d = %q", i, got)
		}
	}
}

func TestResolveIsLocalAndSharesOnlyWhenAsked(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	quiet, _ := join(t, s.ClientURL(), fleet.Config[string]{Bucket: "resolve"})
	sharing, _ := join(t, s.ClientURL(), fleet.Config[string]{Bucket: "resolve", ShareResolved: true})
	observer, _ := join(t, s.ClientURL(), fleet.Config[string]{Bucket: "resolve"})

	res, err := quiet.Resolve(key(1), "fallback-q")
	if err != nil || res.Source != routecache.SourceFallback {
		t.Fatalf("Resolve = %+v, %v", res, err)
	}
	res, err = sharing.Resolve(key(2), "fallback-s")
	if err != nil || res.Source != routecache.SourceFallback {
		t.Fatalf("Resolve = %+v, %v", res, err)
	}
	waitFor(t, 5*time.Second, "the shared resolved route", func() bool { return routeOf(observer, key(2)) == "fallback-s" })
	if quiet.Stats().Published != 0 {
		t.Fatalf("a member without ShareResolved published: %+v", quiet.Stats())
	}
	// The unshared route stayed local: the sharing member's route arrived
	// after it, so by revision order nothing is pending for key 1.
	if routeOf(observer, key(1)) != "" {
		t.Fatal("a resolved route was shared without ShareResolved")
	}
}

func TestCloseStopsFollowingAndKeepsTheCache(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	a, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	b, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	ctx := context.Background()
	if err := a.Set(ctx, key(1), "one"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "b sees one", func() bool { return routeOf(b, key(1)) == "one" })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if err := b.Set(ctx, key(2), "local"); !isUnavailable(err) {
		t.Fatalf("Set after Close = %v, want ErrUnavailable", err)
	}
	if routeOf(b, key(2)) != "local" || routeOf(b, key(1)) != "one" {
		t.Fatal("the cache did not stay open with its routes")
	}
}
