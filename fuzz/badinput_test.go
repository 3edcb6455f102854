package fuzz

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/c41db742/routecache"
)

// The bad-input catalogue: every kind of bad (or merely odd) input we know
// of, each run against a cache already holding a few routes. For each, the
// test asserts the exact error (errors.Is, and that the message says what
// was wrong), that nothing was stored beyond what a valid odd input
// legitimately stores, that the routes held before are untouched, and
// which OnEvict calls happened.
//
// Decisions the catalogue pins down: a panicking Validate is a rejection
// (ErrInvalidRoute carrying the panic value; Resolve skips that fallback);
// a panicking OnEvict is recovered, the operation returns normally and the
// remaining OnEvict calls of that operation still run; OnEvict may call
// back into the cache.

// badInputCase is one entry of the catalogue.
type badInputCase struct {
	name string
	// config adjusts the Config; newErr is the error New must then return
	// (the case ends there).
	config func(*routecache.Config[string])
	newErr error
	// onEvict runs inside OnEvict, after the call is recorded.
	onEvict func(e *badEnv, k routecache.Key, route string, reason routecache.EvictReason)
	// act feeds the bad input and returns the error to check; a method that
	// returns no error has act check its answer and return errWrongAnswer.
	act func(e *badEnv) error
	// want is the sentinel act's error must wrap (nil: no error), and msg
	// a part of the message that says what was wrong.
	want error
	msg  string
	// stored lists what the input legitimately stored, key to route.
	stored map[routecache.Key]string
	// evicted lists the OnEvict calls act legitimately caused.
	evicted []evictCall[string]
	// closes marks cases that close the cache: All yields nothing then, so
	// only Len shows that nothing was stored.
	closes bool
}

// badEnv is what a case's act and onEvict see.
type badEnv struct {
	t     *testing.T
	c     *routecache.Cache[string]
	clock *routecache.FakeClock
}

// errWrongAnswer is what act returns when a method without an error result
// answered wrongly; act has reported the details.
var errWrongAnswer = errors.New("wrong answer")

// badInputMaxKeyBytes is the catalogue cache's key limit.
const badInputMaxKeyBytes = 64

// catalogueKeys are the keys the cases use: two of the held routes' keys
// and two that are not held.
type catalogueKeys struct {
	heldRoom, heldThread, fresh, other routecache.Key
}

func newCatalogueKeys() catalogueKeys {
	return catalogueKeys{
		heldRoom:   routecache.Key{Channel: "tg", Bridge: "bot", Room: "room1"},
		heldThread: routecache.Key{Channel: "tg", Bridge: "bot", Room: "room1", Thread: "t1"},
		fresh:      routecache.Key{Channel: "tg", Bridge: "bot", Room: "room9"},
		other:      routecache.Key{Channel: "tg", Bridge: "bot", Room: "room8"},
	}
}

// heldRoutes are the routes every case starts with.
func heldRoutes() map[routecache.Key]string {
	keys := newCatalogueKeys()
	return map[routecache.Key]string{
		keys.heldRoom:   "p1",
		keys.heldThread: "p2",
		{Channel: "tg", Bridge: "bot", Room: "room2"}:                 "p3",
		{Channel: "mx", Bridge: "bot", Room: "room1"}:                 "p4",
		{Channel: "tg", Bridge: "bot2", Room: "room1", Thread: "t:1"}: "p5",
	}
}

// keyOfBytes returns a valid-looking key whose four fields add up to n bytes.
func keyOfBytes(n int) routecache.Key {
	return routecache.Key{Channel: "c", Bridge: "b", Room: "r", Thread: strings.Repeat("t", n-3)}
}

func TestBadInputCatalogue(t *testing.T) {
	for _, tc := range badInputCases() {
		t.Run(tc.name, func(t *testing.T) { runBadInputCase(t, tc) })
	}
}

func runBadInputCase(t *testing.T, tc badInputCase) {
	e := &badEnv{t: t, clock: routecache.NewFakeClock(fuzzStart())}
	rec := &evictRecorder[string]{}
	cfg := routecache.Config[string]{
		Shards:             4,
		TTL:                time.Minute,
		MaxEntriesPerShard: 100,
		PruneInterval:      -1,
		MaxKeyBytes:        badInputMaxKeyBytes,
		Clock:              e.clock,
		Validate:           validateRoute,
		OnEvict: func(k routecache.Key, route string, reason routecache.EvictReason) {
			rec.record(k, route, reason)
			if tc.onEvict != nil {
				tc.onEvict(e, k, route, reason)
			}
		},
	}
	if tc.config != nil {
		tc.config(&cfg)
	}
	c, err := routecache.New(cfg)
	if tc.newErr != nil {
		require.ErrorIs(t, err, tc.newErr)
		assert.Contains(t, err.Error(), tc.msg)
		assert.Nil(t, c)
		return
	}
	require.NoError(t, err)
	e.c = c
	defer c.Close()

	held := heldRoutes()
	for k, route := range held {
		require.NoError(t, c.Set(k, route))
	}
	before := snapshot(c)
	require.Len(t, before, len(held))

	err = tc.act(e)
	if tc.want == nil {
		assert.NoError(t, err)
	} else {
		assert.ErrorIs(t, err, tc.want)
		if err != nil {
			assert.Contains(t, err.Error(), tc.msg, "the error must say what was wrong")
		}
	}

	assert.True(t, sameCalls(rec.drain(nil), tc.evicted), "OnEvict calls")
	assert.Equal(t, len(before)+len(tc.stored), c.Len(), "Len: nothing stored but what the case allows")
	if tc.closes {
		return
	}
	after := snapshot(c)
	for k, r := range before {
		assert.True(t, after[k].UpdatedAt.Equal(r.UpdatedAt) && after[k].ExpiresAt.Equal(r.ExpiresAt) && after[k].Route == r.Route,
			"held route %s changed: %+v, was %+v", k, after[k], r)
	}
	for k, r := range after {
		if _, wasHeld := before[k]; wasHeld {
			continue
		}
		route, allowed := tc.stored[k]
		assert.True(t, allowed, "%s was stored: %+v", k, r)
		assert.Equal(t, route, r.Route, "route stored for %s", k)
	}
	for k := range tc.stored {
		assert.Contains(t, after, k, "%s should have been stored", k)
	}
}

// snapshot returns every live route with its record.
func snapshot(c *routecache.Cache[string]) map[routecache.Key]routecache.Record[string] {
	out := make(map[routecache.Key]routecache.Record[string])
	for k, r := range c.All() {
		out[k] = r
	}
	return out
}

// everyOperation runs every write and lookup with k, checks that Delete
// removes nothing, and returns the first error that is not want, or want
// itself when all of them return it.
func everyOperation(e *badEnv, k routecache.Key, want error) error {
	errs := []error{e.c.Set(k, "r1"), e.c.SetWithTTL(k, "r1", time.Second)}
	_, err := e.c.Get(k)
	errs = append(errs, err)
	_, err = e.c.Resolve(k, "r1")
	errs = append(errs, err)
	if e.c.Delete(k) {
		e.t.Errorf("Delete(%s) = true", k)
		return errWrongAnswer
	}
	for _, err := range errs {
		if !errors.Is(err, want) {
			return err
		}
	}
	return errs[0]
}

func badInputCases() []badInputCase {
	keys := newCatalogueKeys()
	heldRoom, heldThread, freshKey, otherKey := keys.heldRoom, keys.heldThread, keys.fresh, keys.other
	deletedKey := routecache.Key{Channel: "x", Bridge: "y", Room: "deleted"}
	oddKeys := map[string]routecache.Key{
		"':' and '\\' in every field": {Channel: "a:b", Bridge: `c\d`, Room: ":", Thread: `\:`},
		"NUL bytes in fields":         {Channel: "\x00", Bridge: "b\x00", Room: "\x00\x00", Thread: "\x00"},
		"invalid UTF-8 in fields":     {Channel: "\xff", Bridge: "\xc3\x28", Room: "\xed\xa0\x80", Thread: "\xfe"},
		"key exactly at MaxKeyBytes":  keyOfBytes(badInputMaxKeyBytes),
	}
	cases := []badInputCase{
		// Keys.
		{name: "empty channel", act: func(e *badEnv) error {
			return everyOperation(e, routecache.Key{Bridge: "b", Room: "r"}, routecache.ErrInvalidKey)
		}, want: routecache.ErrInvalidKey, msg: "empty channel"},
		{name: "empty bridge", act: func(e *badEnv) error {
			return everyOperation(e, routecache.Key{Channel: "c", Room: "r", Thread: "t"}, routecache.ErrInvalidKey)
		}, want: routecache.ErrInvalidKey, msg: "empty bridge"},
		{name: "empty room", act: func(e *badEnv) error {
			return everyOperation(e, routecache.Key{Channel: "c", Bridge: "b", Thread: "t"}, routecache.ErrInvalidKey)
		}, want: routecache.ErrInvalidKey, msg: "empty room"},
		{name: "zero key", act: func(e *badEnv) error {
			return everyOperation(e, routecache.Key{}, routecache.ErrInvalidKey)
		}, want: routecache.ErrInvalidKey, msg: "empty channel"},
		{name: "key one byte over MaxKeyBytes", act: func(e *badEnv) error {
			return everyOperation(e, keyOfBytes(badInputMaxKeyBytes+1), routecache.ErrInvalidKey)
		}, want: routecache.ErrInvalidKey, msg: "MaxKeyBytes"},
		{name: "four-megabyte key", act: func(e *badEnv) error {
			return everyOperation(e, keyOfBytes(4<<20), routecache.ErrInvalidKey)
		}, want: routecache.ErrInvalidKey, msg: "MaxKeyBytes"},
		{name: "Resolve of an invalid thread key whose room is held", act: func(e *badEnv) error {
			_, err := e.c.Resolve(routecache.Key{Channel: "tg", Room: "room1", Thread: "t9"}, "r1")
			return err
		}, want: routecache.ErrInvalidKey, msg: "empty bridge"},

		// TTLs.
		{name: "negative TTL", act: func(e *badEnv) error {
			return e.c.SetWithTTL(freshKey, "r1", -time.Nanosecond)
		}, want: routecache.ErrInvalidTTL, msg: "ttl"},
		{name: "most negative TTL over a held route", act: func(e *badEnv) error {
			return e.c.SetWithTTL(heldRoom, "r1", math.MinInt64)
		}, want: routecache.ErrInvalidTTL, msg: "ttl"},
		{name: "overflowing TTL is clamped to the far future", act: func(e *badEnv) error {
			e.clock.Advance(time.Second) // so that now+ttl really overflows
			if err := e.c.SetWithTTL(freshKey, "r1", math.MaxInt64); err != nil {
				return err
			}
			r, err := e.c.Get(freshKey)
			if err != nil {
				return err
			}
			if !r.ExpiresAt.After(r.UpdatedAt.Add(200 * 365 * 24 * time.Hour)) {
				e.t.Errorf("clamped ExpiresAt %v is not in the far future of %v", r.ExpiresAt, r.UpdatedAt)
				return errWrongAnswer
			}
			return nil
		}, stored: map[routecache.Key]string{freshKey: "r1"}},

		// Routes.
		{name: "route rejected by Validate", act: func(e *badEnv) error {
			err := e.c.Set(freshKey, badRoute)
			if !errors.Is(err, errRejectedRoute) {
				e.t.Errorf("Set = %v, want it to wrap Validate's error", err)
			}
			return err
		}, want: routecache.ErrInvalidRoute, msg: errRejectedRoute.Error()},
		{name: "rejected route over a held route", act: func(e *badEnv) error {
			return e.c.SetWithTTL(heldThread, badRoute, time.Hour)
		}, want: routecache.ErrInvalidRoute, msg: errRejectedRoute.Error()},
		{name: "Validate panics", act: func(e *badEnv) error {
			return e.c.Set(heldRoom, panicRoute)
		}, want: routecache.ErrInvalidRoute, msg: "validate panics on purpose"},
		{name: "Resolve skips rejected and panicking fallbacks", act: func(e *badEnv) error {
			res, err := e.c.Resolve(freshKey, badRoute, panicRoute, "r7")
			if err == nil && (res.Route != "r7" || res.Source != routecache.SourceFallback || res.Reason != routecache.ReasonMiss) {
				e.t.Errorf("Resolve = %+v, want fallback r7 for a miss", res)
				return errWrongAnswer
			}
			return err
		}, stored: map[routecache.Key]string{freshKey: "r7"}},
		{name: "Resolve with only rejected fallbacks", act: func(e *badEnv) error {
			_, err := e.c.Resolve(freshKey, badRoute, panicRoute)
			return err
		}, want: routecache.ErrNoRoute, msg: "no route"},

		// OnEvict.
		{
			name: "OnEvict panics: every call of a Prune still runs",
			onEvict: func(*badEnv, routecache.Key, string, routecache.EvictReason) {
				panic("OnEvict panics on purpose")
			},
			act: func(e *badEnv) error {
				for _, k := range []routecache.Key{freshKey, otherKey, {Channel: "x", Bridge: "y", Room: "z"}} {
					if err := e.c.SetWithTTL(k, "short", time.Second); err != nil {
						return err
					}
				}
				e.clock.Advance(2 * time.Second)
				if n := e.c.Prune(); n != 3 {
					e.t.Errorf("Prune = %d, want 3", n)
					return errWrongAnswer
				}
				if err := e.c.Set(deletedKey, "d"); err != nil {
					return err
				}
				if !e.c.Delete(deletedKey) {
					e.t.Errorf("Delete(%s) = false", deletedKey)
					return errWrongAnswer
				}
				return nil
			},
			evicted: []evictCall[string]{
				{key: freshKey, route: "short", reason: routecache.EvictExpired},
				{key: otherKey, route: "short", reason: routecache.EvictExpired},
				{key: routecache.Key{Channel: "x", Bridge: "y", Room: "z"}, route: "short", reason: routecache.EvictExpired},
				{key: deletedKey, route: "d", reason: routecache.EvictDeleted},
			},
		},
		{
			name: "OnEvict re-enters the cache",
			onEvict: func(e *badEnv, k routecache.Key, route string, _ routecache.EvictReason) {
				if _, err := e.c.Get(k); !errors.Is(err, routecache.ErrNotFound) {
					e.t.Errorf("Get(%s) inside OnEvict = %v, want ErrNotFound: the entry is gone", k, err)
				}
				if err := e.c.Set(otherKey, "from "+route); err != nil {
					e.t.Errorf("Set inside OnEvict = %v", err)
				}
				e.c.Prune()
				_ = e.c.Stats()
			},
			act: func(e *badEnv) error {
				if err := e.c.Set(freshKey, "gone"); err != nil {
					return err
				}
				if !e.c.Delete(freshKey) {
					e.t.Errorf("Delete = false")
					return errWrongAnswer
				}
				return nil
			},
			stored:  map[routecache.Key]string{otherKey: "from gone"},
			evicted: []evictCall[string]{{key: freshKey, route: "gone", reason: routecache.EvictDeleted}},
		},

		// Use after Close.
		{name: "Set after Close", closes: true, act: func(e *badEnv) error {
			require.NoError(e.t, e.c.Close())
			return e.c.Set(freshKey, "r1")
		}, want: routecache.ErrClosed, msg: "closed"},
		{name: "SetWithTTL over a held route after Close", closes: true, act: func(e *badEnv) error {
			require.NoError(e.t, e.c.Close())
			return e.c.SetWithTTL(heldRoom, "r1", time.Hour)
		}, want: routecache.ErrClosed, msg: "closed"},
		{name: "Get of a held route after Close", closes: true, act: func(e *badEnv) error {
			require.NoError(e.t, e.c.Close())
			_, err := e.c.Get(heldRoom)
			return err
		}, want: routecache.ErrClosed, msg: "closed"},
		{name: "invalid key after Close", closes: true, act: func(e *badEnv) error {
			require.NoError(e.t, e.c.Close())
			return everyOperation(e, routecache.Key{Channel: "c", Bridge: "b"}, routecache.ErrInvalidKey)
		}, want: routecache.ErrInvalidKey, msg: "empty room"},
		{name: "Resolve without fallbacks after Close", closes: true, act: func(e *badEnv) error {
			require.NoError(e.t, e.c.Close())
			_, err := e.c.Resolve(heldRoom)
			return err
		}, want: routecache.ErrClosed, msg: "closed"},
		{name: "Resolve with fallbacks after Close", closes: true, act: func(e *badEnv) error {
			require.NoError(e.t, e.c.Close())
			res, err := e.c.Resolve(heldThread, badRoute, "r2")
			want := routecache.Resolution[string]{Route: "r2", Key: heldThread, Shard: e.c.ShardOf(heldThread),
				Source: routecache.SourceFallback, Reason: routecache.ReasonUnavailable}
			if err == nil && res != want {
				e.t.Errorf("Resolve = %+v, want %+v", res, want)
				return errWrongAnswer
			}
			return err
		}},
		{name: "Delete, Prune, All and Close after Close", closes: true, act: func(e *badEnv) error {
			require.NoError(e.t, e.c.Close())
			e.clock.Advance(time.Hour) // everything held has expired: still nothing may leave
			wrong := e.c.Delete(heldRoom) || e.c.Prune() != 0 || e.c.Close() != nil
			for k := range e.c.All() {
				e.t.Errorf("All after Close yielded %s", k)
				wrong = true
			}
			if wrong {
				e.t.Errorf("a closed cache changed or answered as if open")
				return errWrongAnswer
			}
			return nil
		}},

		// Strings that ParseKey must refuse.
		{name: "ParseKey refuses what String never produces", act: func(e *badEnv) error {
			for _, s := range []string{"", "a", "a:b", "a:b:", ":b:c", "a::c", "a:b:c:", "a:b:c:d:e", `a\x:b:c`, `a:b:c\`, `a:b:c:d\`, "::", ":::"} {
				k, err := routecache.ParseKey(s)
				if !errors.Is(err, routecache.ErrInvalidKey) {
					e.t.Errorf("ParseKey(%q) = %#v, %v; want ErrInvalidKey", s, k, err)
					return errWrongAnswer
				}
			}
			_, err := routecache.ParseKey("a:b:c:")
			return err
		}, want: routecache.ErrInvalidKey, msg: "invalid key"},
	}

	for name, k := range oddKeys {
		cases = append(cases, badInputCase{name: name + " is valid", act: func(e *badEnv) error {
			if err := e.c.Set(k, "odd"); err != nil {
				return err
			}
			r, err := e.c.Get(k)
			if err != nil {
				return err
			}
			back, err := routecache.ParseKey(k.String())
			if err != nil || back != k || r.Route != "odd" {
				e.t.Errorf("Get = %+v; ParseKey(String) = %#v, %v", r, back, err)
				return errWrongAnswer
			}
			return nil
		}, stored: map[routecache.Key]string{k: "odd"}})
	}

	// Configs.
	for _, bad := range []struct {
		field  string
		adjust func(*routecache.Config[string])
	}{
		{"Shards", func(c *routecache.Config[string]) { c.Shards = -1 }},
		{"Shards", func(c *routecache.Config[string]) { c.Shards = math.MinInt }},
		{"TTL", func(c *routecache.Config[string]) { c.TTL = -time.Nanosecond }},
		{"MaxEntriesPerShard", func(c *routecache.Config[string]) { c.MaxEntriesPerShard = -1 }},
		{"MaxKeyBytes", func(c *routecache.Config[string]) { c.MaxKeyBytes = -1 }},
	} {
		cases = append(cases, badInputCase{name: "negative " + bad.field, config: bad.adjust,
			newErr: routecache.ErrInvalidConfig, msg: bad.field})
	}
	cases = append(cases, badInputCase{
		name:   "negative PruneInterval is valid: no background sweep",
		config: func(c *routecache.Config[string]) { c.PruneInterval = -time.Hour },
		act: func(e *badEnv) error {
			if err := e.c.Set(freshKey, "r1"); err != nil {
				return err
			}
			_, err := e.c.Get(freshKey)
			return err
		},
		stored: map[routecache.Key]string{freshKey: "r1"},
	})
	return cases
}
