package routecache

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type entryState int

const (
	stateMissing entryState = iota
	stateLive
	stateExpired
	stateNotApplicable // the key has no thread, so there is no room step
)

func (s entryState) String() string {
	return [...]string{"missing", "live", "expired", "n/a"}[s]
}

type fallbackSet int

const (
	fallbacksValid fallbackSet = iota
	fallbacksOnlyInvalid
	fallbacksNone
)

func (f fallbackSet) String() string {
	return [...]string{"valid", "only-invalid", "none"}[f]
}

func (f fallbackSet) routes() []string {
	switch f {
	case fallbacksValid:
		return []string{"bad", "fb1", "fb2"} // the first valid one wins
	case fallbacksOnlyInvalid:
		return []string{"bad"}
	}
	return nil
}

// TestResolveDecisionTable runs Resolve over every combination of the exact
// entry's state, the room entry's state and the fallbacks supplied, and
// derives the expected answer from the SPEC's rules independently of the
// implementation's control flow.
func TestResolveDecisionTable(t *testing.T) {
	const ttl = time.Minute
	for _, exact := range []entryState{stateLive, stateExpired, stateMissing} {
		for _, room := range []entryState{stateLive, stateExpired, stateMissing, stateNotApplicable} {
			for _, fb := range []fallbackSet{fallbacksValid, fallbacksOnlyInvalid, fallbacksNone} {
				name := fmt.Sprintf("exact=%v/room=%v/fallbacks=%v", exact, room, fb)
				t.Run(name, func(t *testing.T) {
					c, clk, log := newTestCache(t, Config[string]{TTL: ttl})
					k := key("r1", "t1")
					if room == stateNotApplicable {
						k = key("r1", "")
					}
					roomKey := k.RoomScope()
					seedEntry(t, c, k, exact, "exact")
					if room != stateNotApplicable {
						seedEntry(t, c, roomKey, room, "room")
					}
					clk.Advance(20 * time.Second) // expired entries are 10 s past their TTL
					now := clk.Now()
					before := c.Stats()

					res, err := c.Resolve(k, fb.routes()...)

					staleMet := 0
					if exact == stateExpired {
						staleMet++
					}
					wantStale := exact == stateExpired
					var wantRoute string
					var wantSource Source
					var wantReason Reason
					wantErr := false
					switch {
					case exact == stateLive:
						wantRoute, wantSource, wantReason = "exact", SourceExact, ReasonNone
					case room == stateLive:
						wantRoute, wantSource, wantReason = "room", SourceRoom, ReasonThreadMiss
						if wantStale {
							wantReason = ReasonStale
						}
					default:
						if room == stateExpired {
							staleMet++
							wantStale = true
						}
						if fb == fallbacksValid {
							wantRoute, wantSource, wantReason = "fb1", SourceFallback, ReasonMiss
							if wantStale {
								wantReason = ReasonStale
							}
						} else {
							wantErr = true
						}
					}

					after := c.Stats()
					assert.Equal(t, uint64(staleMet), after.Stale-before.Stale, "Stats.Stale")
					if wantErr {
						require.ErrorIs(t, err, ErrNoRoute)
						assert.Equal(t, before.Misses+1, after.Misses)
						_, gerr := c.Get(k)
						assert.ErrorIs(t, gerr, ErrNotFound, "nothing stored for the key")
					} else {
						require.NoError(t, err)
						assert.Equal(t, wantRoute, res.Route)
						assert.Equal(t, wantSource, res.Source)
						assert.Equal(t, wantReason, res.Reason)
						assert.Equal(t, wantStale, res.Stale)
						assert.Equal(t, k, res.Key)
						assert.Equal(t, c.ShardOf(k), res.Shard)
						assert.Equal(t, wantSource != SourceExact, res.Fallback())

						rec, gerr := c.Get(k)
						require.NoError(t, gerr, "the answer is held for the key")
						assert.Equal(t, wantRoute, rec.Route)
						if wantSource == SourceExact {
							assert.True(t, rec.UpdatedAt.Equal(t0), "an exact hit rewrites nothing")
						} else {
							assert.True(t, rec.UpdatedAt.Equal(now), "stored now")
							assert.True(t, rec.ExpiresAt.Equal(now.Add(ttl)), "stored with the default TTL")
						}
						assertOneAnswerCounted(t, before, after, wantSource)
					}

					// The room's entry: untouched if live, removed if expired.
					if room == stateLive {
						rec, gerr := c.Get(roomKey)
						require.NoError(t, gerr)
						assert.Equal(t, "room", rec.Route)
					}
					if room == stateExpired && exact != stateLive {
						_, gerr := c.Get(roomKey)
						assert.ErrorIs(t, gerr, ErrNotFound, "the expired room entry was removed on the way")
					}
					// Expired entries met were reported to OnEvict as expired.
					for _, ev := range log.take() {
						assert.Equal(t, EvictExpired, ev.Reason)
					}
				})
			}
		}
	}
}

// The room's route is found in the room key's own shard even when the
// thread key lives in another one.
func TestResolveRoomInItsOwnShard(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{Shards: 64})
	var thread Key
	room := key("r-shard", "")
	for i := 0; ; i++ {
		thread = key("r-shard", fmt.Sprint("t", i))
		if c.ShardOf(thread) != c.ShardOf(room) {
			break
		}
	}
	require.NoError(t, c.Set(room, "room"))
	res, err := c.Resolve(thread)
	require.NoError(t, err)
	assert.Equal(t, SourceRoom, res.Source)
	assert.Equal(t, "room", res.Route)
	assert.Equal(t, c.ShardOf(thread), res.Shard)
}

func TestResolveClosed(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	k := key("r", "t")
	require.NoError(t, c.Set(k, "exact"))
	require.NoError(t, c.Close())

	res, err := c.Resolve(k, "bad", "fb")
	require.NoError(t, err)
	assert.Equal(t, Resolution[string]{Route: "fb", Key: k, Shard: c.ShardOf(k), Source: SourceFallback, Reason: ReasonUnavailable}, res)

	_, err = c.Resolve(k, "bad")
	assert.ErrorIs(t, err, ErrClosed)
	_, err = c.Resolve(k)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = c.Resolve(Key{}, "fb")
	assert.ErrorIs(t, err, ErrInvalidKey, "a bad key is still a bad key")
	assert.Equal(t, 1, c.Len(), "a closed cache stores nothing")
	assert.Equal(t, uint64(1), c.Stats().FallbackHits, "a closed cache's fallback answer still counts")
}

func TestResolveInvalidKey(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	_, err := c.Resolve(Key{Channel: "x", Bridge: "y"}, "fb")
	assert.ErrorIs(t, err, ErrInvalidKey)
	assert.EqualError(t, err, "routecache: invalid key: empty room")
	assert.Equal(t, 0, c.Len())
}

func TestSourceAndReasonStrings(t *testing.T) {
	assert.Equal(t, []string{"exact", "room", "fallback", "loaded"},
		[]string{SourceExact.String(), SourceRoom.String(), SourceFallback.String(), SourceLoaded.String()})
	assert.Equal(t, []string{"none", "stale", "miss", "thread_miss", "unavailable", "load_failed"},
		[]string{ReasonNone.String(), ReasonStale.String(), ReasonMiss.String(), ReasonThreadMiss.String(), ReasonUnavailable.String(), ReasonLoadFailed.String()})
	assert.Equal(t, "Source(9)", Source(9).String())
	assert.Equal(t, "Reason(9)", Reason(9).String())
}

// A rejected fallback costs its Validate call and no allocation: an exact
// hit with rejected fallbacks allocates nothing, and a Resolve that answers
// with the eleventh fallback allocates no more than one that takes the
// first. Validate panicking on a fallback is a rejection too.
func TestResolveRejectedFallbacksAllocateNothing(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{
		OnEvict: func(Key, string, EvictReason) {},
		Validate: func(route string) error {
			if route == "panic" {
				panic(route)
			}
			return rejectBad(route)
		},
	})
	held, missed := key("held", ""), key("missed", "")
	require.NoError(t, c.Set(held, "route"))
	rejected := []string{"bad", "bad", "bad", "bad", "bad", "bad", "bad", "bad", "bad", "bad"}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = c.Resolve(held, rejected...) }), "exact hit with rejected fallbacks")

	afterRejected := append(rejected, "fb")
	first := testing.AllocsPerRun(1000, func() {
		c.Delete(missed)
		_, _ = c.Resolve(missed, "fb")
	})
	eleventh := testing.AllocsPerRun(1000, func() {
		c.Delete(missed)
		_, _ = c.Resolve(missed, afterRejected...)
	})
	assert.LessOrEqual(t, eleventh, first, "ten rejected fallbacks cost no allocation")

	res, err := c.Resolve(missed, "panic", "bad", "fb")
	require.NoError(t, err)
	assert.Equal(t, "fb", res.Route, "a Validate panic is a rejection")
}
