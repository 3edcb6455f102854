package fleet_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/fleet"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Two proxies share their routes: a room moved on one routes the same way
// on the other, while reads stay local. The NATS server runs in this
// process only to keep the example self-contained; in production the
// proxies connect to a cluster of three (see README.md).
func Example() {
	storeDir, err := os.MkdirTemp("", "fleet-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(storeDir)
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: storeDir, NoLog: true, NoSigs: true,
	})
	if err != nil {
		panic(err)
	}
	go ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		panic("nats server not ready")
	}

	ctx := context.Background()
	proxies := make([]*fleet.Member[string], 2)
	for i := range proxies {
		nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(-1))
		if err != nil {
			panic(err)
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			panic(err)
		}
		cache, err := routecache.New(routecache.Config[string]{})
		if err != nil {
			panic(err)
		}
		defer cache.Close()
		member, err := fleet.Join(ctx, js, cache, fleet.Config[string]{})
		if err != nil {
			panic(err)
		}
		defer member.Close()
		proxies[i] = member
	}

	room := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "chat-42"}
	if err := proxies[0].Set(ctx, room, "eu-west"); err != nil {
		panic(err) // wraps fleet.ErrUnavailable when NATS did not take it
	}
	// The other proxy applies the write a few milliseconds later.
	for {
		res, err := proxies[1].Resolve(room)
		if err == nil && res.Route == "eu-west" {
			fmt.Println(res.Route, res.Source)
			break
		}
		time.Sleep(time.Millisecond)
	}
	// Output: eu-west exact
}

// A proxy joins the fleet at start-up: Join loads the bucket's live routes
// into the cache before it returns, so the proxy starts warm. Close leaves
// the fleet; the cache keeps its routes.
func ExampleJoin() {
	ctx := context.Background()
	nc, err := nats.Connect("nats://n1:4222,nats://n2:4222,nats://n3:4222", nats.MaxReconnects(-1))
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		panic(err)
	}
	cache, err := routecache.New(routecache.Config[string]{TTL: time.Hour})
	if err != nil {
		panic(err)
	}
	defer cache.Close()
	// Replicas applies when Join creates the bucket: three copies survive
	// the loss of one server.
	member, err := fleet.Join(ctx, js, cache, fleet.Config[string]{Bucket: "routes", Replicas: 3})
	if err != nil {
		panic(err)
	}
	defer member.Close()
	fmt.Println(cache.Len(), "routes loaded;", member.Stats().Revision, "is the bucket revision followed from")
}
