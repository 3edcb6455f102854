package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"
)

// TestRoomMoveReachesTheOtherProxy runs two proxies sharing one embedded
// NATS server: a room moved through proxy A's admin endpoint routes to the
// new upstream through proxy B. The time that takes is logged (a few
// milliseconds on loopback); the deadline only guards against a hang.
func TestRoomMoveReachesTheOtherProxy(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })

	a, b := newTestbed(t), newTestbed(t)
	for _, tb := range []*testbed{a, b} {
		f, err := joinFleet(context.Background(), ns.ClientURL(), tb.proxy)
		require.NoError(t, err)
		t.Cleanup(func() { _ = f.Close() })
		tb.admin.Close()
		tb.admin = httptest.NewServer(f.adminHandler(tb.proxy))
		t.Cleanup(tb.admin.Close)
	}

	hashed, target := b.hashed(lobby), b.other(lobby)
	require.Equal(t, hashed, b.send(lobby).upstream, "before the move B routes by the hash")
	a.pin(lobby, target)
	moved := time.Now()
	for b.send(lobby).upstream != target {
		require.Less(t, time.Since(moved), 10*time.Second, "B still routes the moved room to %s", hashed)
		time.Sleep(time.Millisecond)
	}
	t.Logf("room move visible through B %v after A acknowledged it", time.Since(moved))
	b.requireRouted(lobbyThread, target, routecache.SourceRoom, routecache.ReasonThreadMiss) // its threads follow on B too

	status, body := a.do(http.MethodDelete, a.adminURL("/admin/route", lobby))
	require.Equal(t, http.StatusNoContent, status, body)
	require.Eventually(t, func() bool {
		_, err := b.proxy.cache.Get(lobby)
		return err != nil
	}, 5*time.Second, time.Millisecond, "the delete reached B")
}
