package routecache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/c41db742/routecache"
)

// A proxy remembers where a conversation's traffic goes and asks again on
// the next message.
func Example() {
	cache, err := routecache.New(routecache.Config[string]{TTL: 30 * time.Minute})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	k := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "chat-42"}
	if err := cache.Set(k, "10.0.0.7:8443"); err != nil {
		panic(err)
	}
	res, err := cache.Resolve(k)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Route, res.Source, res.Reason)
	// Output: 10.0.0.7:8443 exact none
}

// A thread without a route of its own follows its room, and keeps that
// route from then on.
func ExampleCache_Resolve_room() {
	cache, _ := routecache.New(routecache.Config[string]{})
	defer cache.Close()

	room := routecache.Key{Channel: "slack", Bridge: "workspace-9", Room: "C024BE91L"}
	_ = cache.Set(room, "eu-west")

	thread := routecache.Key{Channel: "slack", Bridge: "workspace-9", Room: "C024BE91L", Thread: "1700000000.000100"}
	res, _ := cache.Resolve(thread)
	fmt.Println(res.Route, res.Source, res.Reason)

	res, _ = cache.Resolve(thread)
	fmt.Println(res.Route, res.Source, res.Reason)
	// Output:
	// eu-west room thread_miss
	// eu-west exact none
}

// A conversation the cache has never seen takes the first fallback the
// validator accepts, which is then remembered.
func ExampleCache_Resolve_fallback() {
	healthy := map[string]bool{"us-east": true, "us-west": true}
	cache, _ := routecache.New(routecache.Config[string]{
		Validate: func(upstream string) error {
			if !healthy[upstream] {
				return errors.New("upstream is draining")
			}
			return nil
		},
	})
	defer cache.Close()

	k := routecache.Key{Channel: "discord", Bridge: "guild-3", Room: "general"}
	res, _ := cache.Resolve(k, "eu-central", "us-west", "us-east")
	fmt.Println(res.Route, res.Source, res.Reason, res.Fallback())

	_, err := cache.Resolve(routecache.Key{Channel: "discord", Bridge: "guild-3", Room: "random"}, "eu-central")
	fmt.Println(errors.Is(err, routecache.ErrNoRoute))
	// Output:
	// us-west fallback miss true
	// true
}

// Time in tests comes from a FakeClock: routes expire when the clock says
// so, with no sleeping.
func ExampleFakeClock() {
	clock := routecache.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cache, _ := routecache.New(routecache.Config[string]{TTL: time.Minute, Clock: clock})
	defer cache.Close()

	k := routecache.Key{Channel: "matrix", Bridge: "hs-1", Room: "!abc:example.org"}
	_ = cache.Set(k, "node-2")

	clock.Advance(59 * time.Second)
	rec, err := cache.Get(k)
	fmt.Println(rec.Route, rec.ExpiresAt.Format(time.TimeOnly), err)

	clock.Advance(time.Second)
	_, err = cache.Get(k)
	fmt.Println(err)
	_, err = cache.Get(k)
	fmt.Println(err)

	res, _ := cache.Resolve(k, "node-1")
	fmt.Println(res.Route, res.Source, res.Reason)
	// Output:
	// node-2 00:01:00 <nil>
	// routecache: expired
	// routecache: not found
	// node-1 fallback miss
}

// OnEvict sees every route that leaves the cache, and why.
func ExampleConfig_onEvict() {
	clock := routecache.NewFakeClock(time.Unix(0, 0))
	cache, _ := routecache.New(routecache.Config[string]{
		Shards:             1,
		MaxEntriesPerShard: 2,
		TTL:                time.Minute,
		Clock:              clock,
		OnEvict: func(k routecache.Key, route string, reason routecache.EvictReason) {
			fmt.Printf("%s left %s: %s\n", k.Room, route, reason)
		},
	})
	defer cache.Close()

	room := func(id string) routecache.Key {
		return routecache.Key{Channel: "irc", Bridge: "libera", Room: id}
	}
	_ = cache.Set(room("#go"), "a")
	_ = cache.Set(room("#rust"), "b")
	_ = cache.Set(room("#zig"), "c") // over capacity: the oldest write goes
	cache.Delete(room("#rust"))
	clock.Advance(time.Minute)
	fmt.Println("pruned", cache.Prune())
	// Output:
	// #go left a: capacity
	// #rust left b: deleted
	// #zig left c: expired
	// pruned 1
}

// A proxy asks its routing directory for a conversation the cache does not
// know, once however many requests miss at the same time, and remembers
// the answer for as long as the directory says.
func ExampleCache_ResolveWith() {
	clock := routecache.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cache, _ := routecache.New(routecache.Config[string]{TTL: time.Hour, Clock: clock})
	defer cache.Close()

	directory := map[string]string{"chat-42": "10.0.0.7:8443"}
	askDirectory := func(ctx context.Context, k routecache.Key) (string, time.Duration, error) {
		if upstream, ok := directory[k.Room]; ok {
			return upstream, 5 * time.Minute, nil
		}
		return "", 0, errors.New("unknown room")
	}

	ctx := context.Background()
	k := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "chat-42"}
	res, _ := cache.ResolveWith(ctx, k, askDirectory)
	fmt.Println(res.Route, res.Source, res.Reason)

	res, _ = cache.ResolveWith(ctx, k, askDirectory)
	fmt.Println(res.Route, res.Source, res.Reason)

	clock.Advance(5 * time.Minute) // the directory's TTL, not the cache's hour
	res, _ = cache.ResolveWith(ctx, k, askDirectory)
	fmt.Println(res.Route, res.Source, res.Reason, res.Stale)

	unknown := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "chat-7"}
	res, _ = cache.ResolveWith(ctx, unknown, askDirectory, "10.0.0.9:8443")
	fmt.Println(res.Route, res.Source, res.Reason)
	_, err := cache.ResolveWith(ctx, routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "chat-8"}, askDirectory)
	fmt.Println(err, errors.Is(err, routecache.ErrLoad))
	// Output:
	// 10.0.0.7:8443 loaded miss
	// 10.0.0.7:8443 exact none
	// 10.0.0.7:8443 loaded stale true
	// 10.0.0.9:8443 fallback load_failed
	// routecache: load failed for telegram:bot-1:chat-8: unknown room true
}

func ExampleParseKey() {
	k := routecache.Key{Channel: "xmpp", Bridge: "gw", Room: "room@conf.example:5222", Thread: `a\b`}
	s := k.String()
	fmt.Println(s)
	back, err := routecache.ParseKey(s)
	fmt.Println(back == k, err)
	// Output:
	// xmpp:gw:room@conf.example\:5222:a\\b
	// true <nil>
}
