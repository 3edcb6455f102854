package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/stretchr/testify/require"
)

// routeDirectory is a real HTTP route directory on loopback: it answers
// the routes in routes by room, counts the questions, and can be held so
// that questions pile up.
type routeDirectory struct {
	server *httptest.Server
	asked  atomic.Int64
	hold   chan struct{} // when not nil, answers wait until it is closed

	mu     sync.Mutex
	routes map[string]directoryAnswer // by room; guarded by mu
}

func newRouteDirectory(t *testing.T, routes map[string]directoryAnswer) *routeDirectory {
	d := &routeDirectory{routes: routes}
	d.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.asked.Add(1)
		if d.hold != nil {
			<-d.hold
		}
		k, err := routecache.ParseKey(r.URL.Query().Get("key"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		answer, ok := d.routes[k.Room]
		d.mu.Unlock()
		switch {
		case !ok:
			http.NotFound(w, r)
		case answer.Route == "teapot":
			w.WriteHeader(http.StatusTeapot)
		default:
			_ = json.NewEncoder(w).Encode(answer)
		}
	}))
	t.Cleanup(d.server.Close)
	return d
}

func (d *routeDirectory) set(room string, answer directoryAnswer) {
	d.mu.Lock()
	d.routes[room] = answer
	d.mu.Unlock()
}

func TestDirectoryRoutesUnknownSessions(t *testing.T) {
	dir := newRouteDirectory(t, map[string]directoryAnswer{})
	tb := newTestbed(t, func(cfg *Config) { cfg.Directory = dir.server.URL + "/routes" })

	// The directory sends the room somewhere its hash would not.
	known := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "known"}
	dir.set("known", directoryAnswer{Route: tb.other(known), TTL: 10})
	tb.requireRouted(known, tb.other(known), routecache.SourceLoaded, routecache.ReasonMiss)
	tb.requireRouted(known, tb.other(known), routecache.SourceExact, routecache.ReasonNone)
	require.Equal(t, int64(1), dir.asked.Load(), "asked once, then remembered")

	// Its TTL, not the proxy's, decides when it is asked again.
	tb.clock.Advance(10 * time.Second)
	dir.set("known", directoryAnswer{Route: tb.hashed(known)})
	tb.requireRouted(known, tb.hashed(known), routecache.SourceLoaded, routecache.ReasonStale)
	require.Equal(t, int64(2), dir.asked.Load())

	// Sessions the directory cannot route go where their room hashes.
	for _, tc := range []struct {
		room   string
		answer *directoryAnswer
	}{
		{room: "not-in-directory"},
		{room: "unknown-upstream", answer: &directoryAnswer{Route: "nowhere"}},
		{room: "directory-error", answer: &directoryAnswer{Route: "teapot"}},
		{room: "negative-ttl", answer: &directoryAnswer{Route: "amber", TTL: -1}},
	} {
		if tc.answer != nil {
			dir.set(tc.room, *tc.answer)
		}
		k := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: tc.room}
		tb.requireRouted(k, tb.hashed(k), routecache.SourceFallback, routecache.ReasonLoadFailed)
		tb.requireRouted(k, tb.hashed(k), routecache.SourceExact, routecache.ReasonNone)
	}
	st := tb.proxy.cache.Stats()
	require.Equal(t, uint64(6), st.Loads)
	require.Equal(t, uint64(4), st.LoadErrors)
}

// A burst of requests for one unknown session asks the directory once.
func TestDirectoryAskedOncePerSession(t *testing.T) {
	dir := newRouteDirectory(t, map[string]directoryAnswer{"busy": {Route: "cedar"}})
	dir.hold = make(chan struct{})
	tb := newTestbed(t, func(cfg *Config) { cfg.Directory = dir.server.URL })
	k := routecache.Key{Channel: "slack", Bridge: "ws-1", Room: "busy"}

	const requests = 20
	replies := make(chan reply, requests)
	for range requests {
		go func() { replies <- tb.send(k) }()
	}
	for dir.asked.Load() == 0 {
		time.Sleep(time.Millisecond) // until the first question arrives; no expiry is waited for
	}
	close(dir.hold)
	for range requests {
		got := <-replies
		require.Equal(t, http.StatusOK, got.status, got.body)
		require.Equal(t, "cedar", got.upstream)
	}
	require.Equal(t, int64(1), dir.asked.Load())
}

func TestDirectoryFlagAndURL(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags([]string{"-upstream", "a=http://127.0.0.1:9001", "-directory", "http://127.0.0.1:9100/routes"}, &stderr)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9100/routes", o.directory)

	for _, bad := range []string{"127.0.0.1:9100", "ftp://host/x", "http://", "://"} {
		_, err := newDirectoryLoader(bad, http.DefaultTransport)
		require.ErrorContains(t, err, "want an http or https URL", bad)
	}
	load, err := newDirectoryLoader("", http.DefaultTransport)
	require.NoError(t, err)
	require.Nil(t, load, "no directory: no loader")
}
