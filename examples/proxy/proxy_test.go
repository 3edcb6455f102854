package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c41db742/routecache"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

const testTTL = time.Minute

// testbed is a proxy between a client and three real upstream servers, all
// on loopback. Time comes from a fake clock.
type testbed struct {
	t         *testing.T
	clock     *routecache.FakeClock
	proxy     *Proxy
	traffic   *httptest.Server // the proxy's traffic listener
	admin     *httptest.Server // the proxy's admin listener
	client    *http.Client
	upstreams []string
	// served counts the requests each upstream answered.
	served map[string]*atomic.Int64
}

// newTestbed starts the proxy and its upstreams; adjust, if given, changes
// the proxy's configuration before it is built.
func newTestbed(t *testing.T, adjust ...func(*Config)) *testbed {
	t.Helper()
	tb := &testbed{
		t:         t,
		clock:     routecache.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
		client:    &http.Client{Timeout: 10 * time.Second},
		upstreams: []string{"amber", "birch", "cedar"},
		served:    map[string]*atomic.Int64{},
	}
	var configured []Upstream
	for _, name := range tb.upstreams {
		counter := &atomic.Int64{}
		tb.served[name] = counter
		// Each upstream answers with its name and the request it saw, so the
		// test sees where a request really went and what arrived there.
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			counter.Add(1)
			fmt.Fprintf(w, "%s %s %s room=%s", name, r.Method, r.URL.RequestURI(), r.Header.Get(headerRoom))
		}))
		t.Cleanup(server.Close)
		u, err := url.Parse(server.URL)
		require.NoError(t, err)
		configured = append(configured, Upstream{Name: name, URL: u})
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections)
	cfg := Config{
		Upstreams: configured,
		Cache: routecache.Config[string]{
			Shards:        4,
			TTL:           testTTL,
			PruneInterval: -1,
			Clock:         tb.clock,
		},
		Transport: transport,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	for _, f := range adjust {
		f(&cfg)
	}
	p, err := NewProxy(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	tb.proxy = p
	tb.traffic = httptest.NewServer(p)
	t.Cleanup(tb.traffic.Close)
	tb.admin = httptest.NewServer(p.AdminHandler())
	t.Cleanup(tb.admin.Close)
	return tb
}

// reply is what the client saw for one proxied request.
type reply struct {
	status   int
	body     string
	upstream string // the upstream that answered, from the body
	source   string
	reason   string
}

// send makes a real HTTP request through the proxy for the session k.
func (tb *testbed) send(k routecache.Key) reply {
	tb.t.Helper()
	req, err := http.NewRequest(http.MethodPost, tb.traffic.URL+"/v1/messages?lang=en", strings.NewReader("hello"))
	require.NoError(tb.t, err)
	setHeader := func(name, value string) {
		if value != "" {
			req.Header.Set(name, value)
		}
	}
	setHeader(headerChannel, k.Channel)
	setHeader(headerBridge, k.Bridge)
	setHeader(headerRoom, k.Room)
	setHeader(headerThread, k.Thread)
	resp, err := tb.client.Do(req)
	require.NoError(tb.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(tb.t, err)

	r := reply{
		status: resp.StatusCode,
		body:   string(body),
		source: resp.Header.Get(headerSource),
		reason: resp.Header.Get(headerReason),
	}
	if resp.StatusCode == http.StatusOK {
		r.upstream, _, _ = strings.Cut(r.body, " ")
		require.Equal(tb.t, r.upstream, resp.Header.Get(headerUpstream), "header and answering upstream disagree")
		require.Equal(tb.t, fmt.Sprintf("%s POST /v1/messages?lang=en room=%s", r.upstream, k.Room), r.body,
			"the upstream must see the request as the client sent it")
	}
	return r
}

// requireRouted asserts that a request for k went to upstream by way of source and reason.
func (tb *testbed) requireRouted(k routecache.Key, upstream string, source routecache.Source, reason routecache.Reason) {
	tb.t.Helper()
	got := tb.send(k)
	require.Equal(tb.t, http.StatusOK, got.status, got.body)
	require.Equal(tb.t, upstream, got.upstream, "upstream for %s", k)
	require.Equal(tb.t, source.String(), got.source, "source for %s", k)
	require.Equal(tb.t, reason.String(), got.reason, "reason for %s", k)
}

// adminURL builds an admin URL for key k with extra query parameters.
func (tb *testbed) adminURL(path string, k routecache.Key, extra ...string) string {
	q := url.Values{}
	q.Set("channel", k.Channel)
	q.Set("bridge", k.Bridge)
	q.Set("room", k.Room)
	if k.Thread != "" {
		q.Set("thread", k.Thread)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return tb.admin.URL + path + "?" + q.Encode()
}

// do makes an admin request and returns its status and body.
func (tb *testbed) do(method, target string) (int, string) {
	tb.t.Helper()
	req, err := http.NewRequest(method, target, nil)
	require.NoError(tb.t, err)
	resp, err := tb.client.Do(req)
	require.NoError(tb.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(tb.t, err)
	return resp.StatusCode, string(body)
}

func (tb *testbed) pin(k routecache.Key, upstream string) {
	tb.t.Helper()
	status, body := tb.do(http.MethodPut, tb.adminURL("/admin/route", k, "upstream", upstream))
	require.Equal(tb.t, http.StatusNoContent, status, body)
}

func (tb *testbed) stats() routecache.Stats {
	tb.t.Helper()
	status, body := tb.do(http.MethodGet, tb.admin.URL+"/admin/stats")
	require.Equal(tb.t, http.StatusOK, status, body)
	var s routecache.Stats
	require.NoError(tb.t, json.Unmarshal([]byte(body), &s))
	return s
}

// hashed is the upstream k's room hashes onto; other returns one it does not,
// so a test can tell a remembered route from the hash.
func (tb *testbed) hashed(k routecache.Key) string { return tb.proxy.ring.pick(k) }

func (tb *testbed) other(k routecache.Key) string {
	for _, name := range tb.upstreams {
		if name != tb.hashed(k) {
			return name
		}
	}
	tb.t.Fatal("testbed needs two upstreams")
	return ""
}

var (
	lobby       = routecache.Key{Channel: "telegram", Bridge: "bot-7", Room: "lobby"}
	lobbyThread = routecache.Key{Channel: "telegram", Bridge: "bot-7", Room: "lobby", Thread: "release-notes"}
)

func TestSessionSticksToItsUpstream(t *testing.T) {
	tb := newTestbed(t)
	session := routecache.Key{Channel: "slack", Bridge: "acme", Room: "C042", Thread: "1700000000.0001"}

	// First contact: no route, no room route; the room's hash decides and
	// the proxy remembers it for the session.
	tb.requireRouted(session, tb.hashed(session), routecache.SourceFallback, routecache.ReasonMiss)
	for range 5 {
		tb.requireRouted(session, tb.hashed(session), routecache.SourceExact, routecache.ReasonNone)
	}

	// A remembered route wins over the hash: pinned elsewhere, the session
	// stays there request after request.
	pinned := tb.other(session)
	tb.pin(session, pinned)
	for range 5 {
		tb.requireRouted(session, pinned, routecache.SourceExact, routecache.ReasonNone)
	}
	require.Equal(t, int64(5), tb.served[pinned].Load())

	s := tb.stats()
	require.Equal(t, routecache.Stats{Entries: 1, Sets: 1, Hits: 10, FallbackHits: 1}, s)
}

func TestThreadFollowsItsRoom(t *testing.T) {
	tb := newTestbed(t)

	// Before the room has a route, a thread goes where its room hashes: all
	// threads of a room land together.
	newThread := routecache.Key{Channel: "telegram", Bridge: "bot-7", Room: "lobby", Thread: "t-early"}
	tb.requireRouted(newThread, tb.hashed(lobby), routecache.SourceFallback, routecache.ReasonMiss)

	// Once the room has a route, a new thread takes it, and keeps it.
	room := tb.other(lobby)
	tb.pin(lobby, room)
	tb.requireRouted(lobbyThread, room, routecache.SourceRoom, routecache.ReasonThreadMiss)
	tb.requireRouted(lobbyThread, room, routecache.SourceExact, routecache.ReasonNone)
	tb.requireRouted(lobby, room, routecache.SourceExact, routecache.ReasonNone)
}

func TestRoomMoveTakesEffect(t *testing.T) {
	tb := newTestbed(t)
	from := tb.hashed(lobby)
	to := tb.other(lobby)
	tb.pin(lobby, from)
	tb.requireRouted(lobbyThread, from, routecache.SourceRoom, routecache.ReasonThreadMiss)

	tb.pin(lobby, to) // the room moves

	// The room and every thread new to it go to the new upstream at once.
	tb.requireRouted(lobby, to, routecache.SourceExact, routecache.ReasonNone)
	newThread := routecache.Key{Channel: "telegram", Bridge: "bot-7", Room: "lobby", Thread: "after-move"}
	tb.requireRouted(newThread, to, routecache.SourceRoom, routecache.ReasonThreadMiss)

	// A thread already in progress stays where it is (sticky) until the
	// operator forgets its route; then it follows the room.
	tb.requireRouted(lobbyThread, from, routecache.SourceExact, routecache.ReasonNone)
	status, body := tb.do(http.MethodDelete, tb.adminURL("/admin/route", lobbyThread))
	require.Equal(t, http.StatusNoContent, status, body)
	tb.requireRouted(lobbyThread, to, routecache.SourceRoom, routecache.ReasonThreadMiss)

	status, body = tb.do(http.MethodDelete, tb.adminURL("/admin/route", routecache.Key{Channel: "telegram", Bridge: "bot-7", Room: "nowhere"}))
	require.Equal(t, http.StatusNotFound, status, body)
}

func TestExpiredRouteFallsBackToTheHash(t *testing.T) {
	tb := newTestbed(t)
	pinned := tb.other(lobby)
	tb.pin(lobby, pinned)
	tb.requireRouted(lobby, pinned, routecache.SourceExact, routecache.ReasonNone)

	tb.clock.Advance(testTTL - time.Second)
	tb.requireRouted(lobby, pinned, routecache.SourceExact, routecache.ReasonNone)

	// Past the TTL the pinned route is gone: the room hashes again, the
	// answer says the old route was stale, and the new one is remembered.
	tb.clock.Advance(2 * time.Second)
	tb.requireRouted(lobby, tb.hashed(lobby), routecache.SourceFallback, routecache.ReasonStale)
	tb.requireRouted(lobby, tb.hashed(lobby), routecache.SourceExact, routecache.ReasonNone)

	// A thread whose own route and whose room's route both expired falls
	// back as well.
	tb.pin(lobby, pinned)
	tb.requireRouted(lobbyThread, pinned, routecache.SourceRoom, routecache.ReasonThreadMiss)
	tb.clock.Advance(testTTL + time.Second)
	tb.requireRouted(lobbyThread, tb.hashed(lobby), routecache.SourceFallback, routecache.ReasonStale)

	s := tb.stats()
	require.Equal(t, uint64(3), s.Stale, "the pinned room, then the thread and its room")
	require.Equal(t, uint64(3), s.Expirations)
}

func TestClosedCacheStillRoutesThroughFallbacks(t *testing.T) {
	tb := newTestbed(t)
	pinned := tb.other(lobby)
	tb.pin(lobby, pinned)
	tb.requireRouted(lobby, pinned, routecache.SourceExact, routecache.ReasonNone)

	require.NoError(t, tb.proxy.Close())
	require.NoError(t, tb.proxy.Close(), "Close is idempotent")

	// Nothing is remembered any more, yet every request is answered: by its
	// room's hashed upstream, with Reason unavailable.
	for range 3 {
		tb.requireRouted(lobby, tb.hashed(lobby), routecache.SourceFallback, routecache.ReasonUnavailable)
		tb.requireRouted(lobbyThread, tb.hashed(lobby), routecache.SourceFallback, routecache.ReasonUnavailable)
	}

	// The admin side reports the closed cache instead of pretending.
	status, body := tb.do(http.MethodPut, tb.adminURL("/admin/route", lobby, "upstream", pinned))
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Contains(t, body, routecache.ErrClosed.Error())
	status, _ = tb.do(http.MethodGet, tb.adminURL("/admin/route", lobby))
	require.Equal(t, http.StatusServiceUnavailable, status)
	// Stats still answer, with the counters of the open cache.
	s := tb.stats()
	require.Equal(t, uint64(1), s.Sets)
	require.Equal(t, uint64(1), s.Hits)

	// Bad headers are still refused, not routed.
	require.Equal(t, http.StatusBadRequest, tb.send(routecache.Key{Channel: "telegram", Bridge: "bot-7"}).status)
}

func TestBadHeadersGet400WithTheKeyError(t *testing.T) {
	tb := newTestbed(t)
	for _, tc := range []struct {
		name  string
		key   routecache.Key
		field string // the field the error must name
	}{
		{"no channel", routecache.Key{Bridge: "bot-7", Room: "lobby"}, "channel"},
		{"no bridge", routecache.Key{Channel: "telegram", Room: "lobby"}, "bridge"},
		{"no room", routecache.Key{Channel: "telegram", Bridge: "bot-7", Thread: "t1"}, "room"},
		{"key too long", routecache.Key{Channel: "telegram", Bridge: "bot-7", Room: strings.Repeat("r", 2000)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tb.send(tc.key)
			require.Equal(t, http.StatusBadRequest, got.status)
			require.Contains(t, got.body, routecache.ErrInvalidKey.Error())
			require.Contains(t, got.body, tc.field)
		})
	}
	for name, served := range tb.served {
		require.Zero(t, served.Load(), "upstream %s must see no bad request", name)
	}
	require.Zero(t, tb.stats().Entries)
}

func TestCallerValidateDrainsUpstreams(t *testing.T) {
	all := []string{"amber", "birch", "cedar"}
	first, second := newRendezvous(all).pickTwo(lobby)
	for _, tc := range []struct {
		name    string
		drained []string
	}{
		{"first choice drained", []string{first}},
		{"both choices drained", []string{first, second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			drained := map[string]bool{}
			for _, name := range tc.drained {
				drained[name] = true
			}
			tb := newTestbed(t, func(cfg *Config) {
				cfg.Cache.Validate = func(name string) error {
					if drained[name] {
						return fmt.Errorf("upstream %s is drained", name)
					}
					return nil
				}
			})

			if drained[second] {
				// Both of the room's choices are refused: no route, and the
				// client is told.
				got := tb.send(lobby)
				require.Equal(t, http.StatusServiceUnavailable, got.status)
				require.Contains(t, got.body, routecache.ErrNoRoute.Error())
			} else {
				// The room goes to its second choice, which is where it would
				// go had the first been removed from the flags.
				tb.requireRouted(lobby, second, routecache.SourceFallback, routecache.ReasonMiss)
				tb.requireRouted(lobby, second, routecache.SourceExact, routecache.ReasonNone)
			}

			// Nothing can be pinned to a drained upstream; the others still
			// take pins.
			status, body := tb.do(http.MethodPut, tb.adminURL("/admin/route", lobby, "upstream", first))
			require.Equal(t, http.StatusBadRequest, status)
			require.Contains(t, body, "is drained")
			for _, name := range all {
				if !drained[name] {
					tb.pin(lobby, name)
					tb.requireRouted(lobby, name, routecache.SourceExact, routecache.ReasonNone)
				}
			}
			for name := range drained {
				require.Zero(t, tb.served[name].Load(), "drained upstream %s", name)
			}
		})
	}
}

func TestAdminRoute(t *testing.T) {
	tb := newTestbed(t)
	start := tb.clock.Now()
	tb.pin(lobby, "birch")

	status, body := tb.do(http.MethodGet, tb.adminURL("/admin/route", lobby))
	require.Equal(t, http.StatusOK, status, body)
	var got routeJSON
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Equal(t, lobby.String(), got.Key)
	require.Equal(t, "birch", got.Upstream)
	require.True(t, got.UpdatedAt.Equal(start), "updated_at %v", got.UpdatedAt)
	require.True(t, got.ExpiresAt.Equal(start.Add(testTTL)), "expires_at %v", got.ExpiresAt)

	// Only configured upstreams can be pinned; the cache's Validate refuses
	// the rest and nothing changes.
	status, body = tb.do(http.MethodPut, tb.adminURL("/admin/route", lobby, "upstream", "elsewhere"))
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, routecache.ErrInvalidRoute.Error())
	require.Contains(t, body, "elsewhere")
	tb.requireRouted(lobby, "birch", routecache.SourceExact, routecache.ReasonNone)

	status, body = tb.do(http.MethodPut, tb.adminURL("/admin/route", routecache.Key{Channel: "telegram"}, "upstream", "birch"))
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, routecache.ErrInvalidKey.Error())

	status, _ = tb.do(http.MethodGet, tb.adminURL("/admin/route", lobbyThread))
	require.Equal(t, http.StatusNotFound, status)

	// A move can outlast the cache's TTL.
	status, body = tb.do(http.MethodPut, tb.adminURL("/admin/route", lobby, "upstream", "cedar", "ttl", "2h"))
	require.Equal(t, http.StatusNoContent, status, body)
	tb.clock.Advance(time.Hour)
	tb.requireRouted(lobby, "cedar", routecache.SourceExact, routecache.ReasonNone)
	status, body = tb.do(http.MethodGet, tb.adminURL("/admin/route", lobby))
	require.Equal(t, http.StatusOK, status, body)
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.True(t, got.ExpiresAt.Equal(start.Add(2*time.Hour)), "expires_at %v", got.ExpiresAt)

	for _, ttl := range []string{"soon", "-1s"} {
		status, body = tb.do(http.MethodPut, tb.adminURL("/admin/route", lobby, "upstream", "amber", "ttl", ttl))
		require.Equal(t, http.StatusBadRequest, status, "ttl %s: %s", ttl, body)
	}
	tb.requireRouted(lobby, "cedar", routecache.SourceExact, routecache.ReasonNone)

	status, _ = tb.do(http.MethodPost, tb.adminURL("/admin/route", lobby, "upstream", "birch"))
	require.Equal(t, http.StatusMethodNotAllowed, status)
}

func TestMetricsEndpoint(t *testing.T) {
	tb := newTestbed(t)
	tb.pin(lobby, "amber")
	tb.send(lobby)
	tb.send(lobby)
	tb.send(lobbyThread)

	const want = `
# HELP routecache_sets_total Routes stored by successful Set and SetWithTTL calls; routes Resolve stores are not counted.
# TYPE routecache_sets_total counter
routecache_sets_total 1
# HELP routecache_resolutions_total Lookups answered with a route, by where the route came from: exact (the key's own route, by Get or Resolve), room (the room's route, by Resolve) or fallback (a route the caller supplied, by Resolve).
# TYPE routecache_resolutions_total counter
routecache_resolutions_total{source="exact"} 2
routecache_resolutions_total{source="room"} 1
routecache_resolutions_total{source="fallback"} 0
# HELP routecache_entries Routes held by the cache, expired routes not yet removed included.
# TYPE routecache_entries gauge
routecache_entries 2
`
	require.NoError(t, testutil.ScrapeAndCompare(tb.admin.URL+"/metrics", strings.NewReader(want),
		"routecache_sets_total", "routecache_resolutions_total", "routecache_entries"))
	// The process's own metrics are served beside the cache's.
	_, body := tb.do(http.MethodGet, tb.admin.URL+"/metrics")
	require.Contains(t, body, "go_goroutines")
}

func TestNewProxyRefusesBadConfig(t *testing.T) {
	u, err := url.Parse("http://127.0.0.1:1")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no upstream", Config{}},
		{"duplicate name", Config{Upstreams: []Upstream{{"a", u}, {"a", u}}}},
		{"nameless upstream", Config{Upstreams: []Upstream{{"", u}}}},
		{"negative TTL", Config{Upstreams: []Upstream{{"a", u}}, Cache: routecache.Config[string]{TTL: -time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewProxy(tc.cfg)
			require.Error(t, err)
			require.Nil(t, p)
		})
	}
}
