package routecache

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/c41db742/routecache/internal/collide"
)

// t0 is where every test's FakeClock starts.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// evictLog records OnEvict calls; safe for concurrent use.
type evictLog struct {
	mu     sync.Mutex
	events []evictEvent
}

type evictEvent struct {
	Key    Key
	Route  string
	Reason EvictReason
}

func (l *evictLog) record(k Key, route string, reason EvictReason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, evictEvent{k, route, reason})
}

func (l *evictLog) take() []evictEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.events
	l.events = nil
	return e
}

// errBadRoute is what the tests' Validate returns for the route "bad".
var errBadRoute = errors.New("route is bad")

func rejectBad(route string) error {
	if route == "bad" {
		return errBadRoute
	}
	return nil
}

// newTestCache returns a cache on a FakeClock with no background work,
// a one-minute TTL, the "bad"-rejecting Validate and an OnEvict log.
// cfg's non-zero fields override those.
func newTestCache(t testing.TB, cfg Config[string]) (*Cache[string], *FakeClock, *evictLog) {
	t.Helper()
	clk := NewFakeClock(t0)
	log := &evictLog{}
	if cfg.Clock == nil {
		cfg.Clock = clk
	}
	if cfg.TTL == 0 {
		cfg.TTL = time.Minute
	}
	if cfg.PruneInterval == 0 {
		cfg.PruneInterval = -1
	}
	if cfg.Validate == nil {
		cfg.Validate = rejectBad
	}
	if cfg.OnEvict == nil {
		cfg.OnEvict = log.record
	}
	c, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c, clk, log
}

func key(room, thread string) Key {
	return Key{Channel: "telegram", Bridge: "bot", Room: room, Thread: thread}
}

// wheelNodes counts the wheel nodes of every shard, stale ones included.
func (c *Cache[V]) wheelNodes() int {
	n := 0
	for i := range c.shards {
		n += c.shards[i].wheel.Len()
	}
	return n
}

// shardLen returns the entries held by shard i.
func (c *Cache[V]) shardLen(i int) int { return int(c.shards[i].size()) }

// collisionCount returns the entries held in the tables' side maps.
func (c *Cache[V]) collisionCount() int {
	n := 0
	for i := range c.shards {
		n += int(c.shards[i].table.Collisions())
	}
	return n
}

// collidingKeys returns n distinct keys that share one 64-bit key hash,
// computed by inverting XXH64 on their rooms: what a client who controls
// room ids can do.
func collidingKeys(n int, thread string) []Key {
	rooms := collide.Rooms(n, 1)
	keys := make([]Key, n)
	for i, r := range rooms {
		keys[i] = Key{Channel: "telegram", Bridge: "bot", Room: r, Thread: thread}
	}
	return keys
}

// assertOneAnswerCounted checks that the counters moved from before to
// after by exactly one answer, of source want: Hits, RoomHits or
// FallbackHits.
func assertOneAnswerCounted(t *testing.T, before, after Stats, want Source) {
	t.Helper()
	counts := map[Source]uint64{
		SourceExact:    after.Hits - before.Hits,
		SourceRoom:     after.RoomHits - before.RoomHits,
		SourceFallback: after.FallbackHits - before.FallbackHits,
	}
	for s, n := range counts {
		wantN := uint64(0)
		if s == want {
			wantN = 1
		}
		assert.Equal(t, wantN, n, "answers counted for %v", s)
	}
}

// seedEntry puts k in state s for the decision tables: live, expired 10 s
// later (the tables then advance the clock 20 s), or absent.
func seedEntry(t *testing.T, c *Cache[string], k Key, s entryState, route string) {
	t.Helper()
	switch s {
	case stateLive:
		require.NoError(t, c.Set(k, route))
	case stateExpired:
		require.NoError(t, c.SetWithTTL(k, route, 10*time.Second))
	}
}
