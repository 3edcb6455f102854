package routecache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errDirectory is what the tests' failing loaders return.
var errDirectory = errors.New("directory unavailable")

// countingLoader returns a Loader answering route with ttl (or err), and
// the number of times it was called.
func countingLoader(route string, ttl time.Duration, err error) (Loader[string], *atomic.Int64) {
	calls := new(atomic.Int64)
	return func(context.Context, Key) (string, time.Duration, error) {
		calls.Add(1)
		return route, ttl, err
	}, calls
}

type loadOutcome int

const (
	loadGives loadOutcome = iota
	loadFails
	loadRejected // the route loaded is one Validate rejects
)

func (o loadOutcome) String() string {
	return [...]string{"gives", "fails", "rejected"}[o]
}

// TestResolveWithDecisionTable runs ResolveWith over every combination of
// the exact entry's state, the room entry's state, the load's outcome and
// the fallbacks, and derives the expected answer from the SPEC's order
// (exact, room, load, fallbacks) independently of the control flow.
func TestResolveWithDecisionTable(t *testing.T) {
	const ttl = time.Minute
	for _, exact := range []entryState{stateLive, stateExpired, stateMissing} {
		for _, room := range []entryState{stateLive, stateExpired, stateMissing, stateNotApplicable} {
			for _, outcome := range []loadOutcome{loadGives, loadFails, loadRejected} {
				for _, fb := range []fallbackSet{fallbacksValid, fallbacksNone} {
					name := fmt.Sprintf("exact=%v/room=%v/load=%v/fallbacks=%v", exact, room, outcome, fb)
					t.Run(name, func(t *testing.T) {
						c, clk, _ := newTestCache(t, Config[string]{TTL: ttl})
						k := key("r1", "t1")
						if room == stateNotApplicable {
							k = key("r1", "")
						}
						seedEntry(t, c, k, exact, "exact")
						if room != stateNotApplicable {
							seedEntry(t, c, k.RoomScope(), room, "room")
						}
						clk.Advance(20 * time.Second)
						now := clk.Now()
						var load Loader[string]
						var calls *atomic.Int64
						switch outcome {
						case loadGives:
							load, calls = countingLoader("loaded", 5*time.Minute, nil)
						case loadFails:
							load, calls = countingLoader("", 0, errDirectory)
						case loadRejected:
							load, calls = countingLoader("bad", 0, nil)
						}
						before := c.Stats()

						res, err := c.ResolveWith(context.Background(), k, load, fb.routes()...)

						wantStale := exact == stateExpired || (exact != stateLive && room == stateExpired)
						wantLoads := 0
						var wantRoute string
						var wantSource Source
						var wantReason Reason
						var wantErrs []error
						wantTTL := ttl
						switch {
						case exact == stateLive:
							wantRoute, wantSource, wantReason, wantStale = "exact", SourceExact, ReasonNone, false
						case room == stateLive:
							wantRoute, wantSource, wantReason, wantStale = "room", SourceRoom, ReasonThreadMiss, exact == stateExpired
						case outcome == loadGives:
							wantLoads = 1
							wantRoute, wantSource, wantReason, wantTTL = "loaded", SourceLoaded, ReasonMiss, 5*time.Minute
						default:
							wantLoads = 1
							switch {
							case fb == fallbacksValid:
								wantRoute, wantSource, wantReason = "fb1", SourceFallback, ReasonLoadFailed
							case outcome == loadFails:
								wantErrs = []error{ErrLoad, errDirectory}
							default:
								wantErrs = []error{ErrInvalidRoute, errBadRoute}
							}
						}
						if wantStale && wantReason != ReasonLoadFailed && wantSource != SourceExact {
							wantReason = ReasonStale
						}

						after := c.Stats()
						assert.Equal(t, int64(wantLoads), calls.Load(), "loader calls")
						assert.Equal(t, uint64(wantLoads), after.Loads-before.Loads, "Stats.Loads")
						wantLoadErrors := 0
						if wantLoads == 1 && outcome != loadGives {
							wantLoadErrors = 1
						}
						assert.Equal(t, uint64(wantLoadErrors), after.LoadErrors-before.LoadErrors, "Stats.LoadErrors")
						if wantErrs != nil {
							for _, want := range wantErrs {
								require.ErrorIs(t, err, want)
							}
							assert.Equal(t, before.Misses+1, after.Misses)
							_, gerr := c.Get(k)
							assert.ErrorIs(t, gerr, ErrNotFound, "a failed load stores nothing")
							return
						}
						require.NoError(t, err)
						assert.Equal(t, Resolution[string]{
							Route: wantRoute, Key: k, Shard: c.ShardOf(k),
							Source: wantSource, Stale: wantStale, Reason: wantReason,
						}, res)
						rec, gerr := c.Get(k)
						require.NoError(t, gerr, "the answer is held for the key")
						assert.Equal(t, wantRoute, rec.Route)
						if wantSource != SourceExact {
							assert.True(t, rec.UpdatedAt.Equal(now), "stored now")
							assert.True(t, rec.ExpiresAt.Equal(now.Add(wantTTL)), "stored with the TTL %v", wantTTL)
						}
						assertOneAnswerCounted(t, before, after, wantSource)
					})
				}
			}
		}
	}
}

// 1,000 callers miss one key at once: the loader runs once and every caller
// gets its route.
func TestResolveWithHerdLoadsOnce(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	k := key("hot", "")
	const callers = 1000
	var started sync.WaitGroup
	started.Add(callers)
	release := make(chan struct{})
	var calls atomic.Int64
	load := func(context.Context, Key) (string, time.Duration, error) {
		calls.Add(1)
		<-release
		return "loaded", 0, nil
	}
	results := make([]Resolution[string], callers)
	errs := make([]error, callers)
	var done sync.WaitGroup
	for i := range callers {
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			results[i], errs[i] = c.ResolveWith(context.Background(), k, load)
		}()
	}
	started.Wait()
	close(release)
	done.Wait()

	assert.Equal(t, int64(1), calls.Load(), "loader calls")
	shared := 0
	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, "loaded", results[i].Route)
		if results[i].Source == SourceLoaded {
			shared++
		} else {
			assert.Equal(t, SourceExact, results[i].Source, "a caller that came after the load finds the route")
		}
	}
	assert.Positive(t, shared)
	t.Logf("%d of %d callers shared the load; the others found its route stored", shared, callers)
	st := c.Stats()
	assert.Equal(t, uint64(1), st.Loads)
	assert.Equal(t, uint64(callers-shared), st.Hits)
}

// 1,000 distinct keys load at the same time: each loader waits until all
// 1,000 are running, which only happens if no key waits for another's load.
func TestResolveWithDistinctKeysLoadInParallel(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	const keys = 1000
	var running, peak atomic.Int64
	allRunning := make(chan struct{})
	giveUp := make(chan struct{})
	var giveUpOnce sync.Once
	load := func(_ context.Context, k Key) (string, time.Duration, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n == keys {
			close(allRunning)
		}
		select {
		case <-allRunning:
		case <-giveUp:
		case <-time.After(10 * time.Second): // only when loads do not overlap; then the assertion below fails
			giveUpOnce.Do(func() { close(giveUp) })
		}
		return "at-" + k.Room, 0, nil
	}
	var done sync.WaitGroup
	for i := range keys {
		done.Add(1)
		go func() {
			defer done.Done()
			k := key(fmt.Sprint("room-", i), "")
			res, err := c.ResolveWith(context.Background(), k, load)
			assert.NoError(t, err)
			assert.Equal(t, "at-"+k.Room, res.Route)
		}()
	}
	done.Wait()
	assert.Equal(t, int64(keys), peak.Load(), "loads running at once")
	assert.Equal(t, uint64(keys), c.Stats().Loads)
	assert.Equal(t, keys, c.Len())
}

// The caller that started a load stops waiting when its ctx is cancelled;
// the load goes on, with a context that kept the caller's values but not
// its cancellation, and the other callers get its route, which is stored.
func TestResolveWithCancelledCallerStopsWaiting(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	k := key("r", "")
	type traceKey struct{}
	loading := make(chan struct{})
	release := make(chan struct{})
	loadCtxErr := make(chan error, 1)
	var traced any
	load := func(ctx context.Context, _ Key) (string, time.Duration, error) {
		traced = ctx.Value(traceKey{})
		close(loading)
		<-release
		loadCtxErr <- ctx.Err()
		return "loaded", 0, nil
	}

	first, cancel := context.WithCancel(context.WithValue(context.Background(), traceKey{}, "trace-1"))
	firstErr := make(chan error, 1)
	go func() {
		_, err := c.ResolveWith(first, k, load)
		firstErr <- err
	}()
	<-loading
	other := make(chan Resolution[string], 1)
	go func() {
		res, err := c.ResolveWith(context.Background(), k, load)
		assert.NoError(t, err)
		other <- res
	}()
	cancel()
	assert.ErrorIs(t, <-firstErr, context.Canceled, "the cancelled caller returns while the load still runs")

	// A caller whose ctx is already done does not wait either.
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	_, err := c.ResolveWith(done, k, load)
	assert.ErrorIs(t, err, context.Canceled)

	close(release)
	res := <-other
	assert.Equal(t, "loaded", res.Route)
	assert.NoError(t, <-loadCtxErr, "the load's context is not cancelled with its first caller's")
	assert.Equal(t, "trace-1", traced, "the load's context keeps the first caller's values")
	rec, err := c.Get(k)
	require.NoError(t, err)
	assert.Equal(t, "loaded", rec.Route, "the load's route is stored")
	assert.Equal(t, uint64(1), c.Stats().Loads)
}

// A caller whose ctx has ended before its key misses starts no load.
func TestResolveWithDoneContextStartsNoLoad(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	load, calls := countingLoader("loaded", 0, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.ResolveWith(ctx, key("r", ""), load, "fb")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, calls.Load())
	assert.Zero(t, c.Len())

	require.NoError(t, c.Set(key("r", ""), "held"))
	res, err := c.ResolveWith(ctx, key("r", ""), load)
	require.NoError(t, err, "a hit answers whatever the ctx")
	assert.Equal(t, "held", res.Route)
}

// A failure is not remembered: the next miss loads again.
func TestResolveWithFailureIsNotCached(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	load, calls := countingLoader("", 0, errDirectory)
	k := key("r", "")
	for range 3 {
		_, err := c.ResolveWith(context.Background(), k, load)
		require.ErrorIs(t, err, ErrLoad)
		require.ErrorIs(t, err, errDirectory)
		assert.EqualError(t, err, "routecache: load failed for telegram:bot:r: directory unavailable")
	}
	assert.Equal(t, int64(3), calls.Load())
	st := c.Stats()
	assert.Equal(t, Stats{Misses: 3, Loads: 3, LoadErrors: 3}, st)
}

func TestResolveWithFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		load    Loader[string]
		wantErr []error
		wantMsg string
	}{
		{
			name:    "panic",
			load:    func(context.Context, Key) (string, time.Duration, error) { panic("directory bug") },
			wantErr: []error{ErrLoad},
			wantMsg: "routecache: load failed for telegram:bot:r: the loader panicked: directory bug",
		},
		{
			name: "goexit",
			load: func(context.Context, Key) (string, time.Duration, error) {
				runtime.Goexit()
				return "", 0, nil
			},
			wantErr: []error{ErrLoad},
			wantMsg: "routecache: load failed for telegram:bot:r: the loader ended its goroutine",
		},
		{
			name:    "negative ttl",
			load:    func(context.Context, Key) (string, time.Duration, error) { return "loaded", -time.Second, nil },
			wantErr: []error{ErrLoad, ErrInvalidTTL},
			wantMsg: "routecache: load failed for telegram:bot:r: routecache: invalid ttl: the loader gave -1s",
		},
		{
			name:    "rejected route",
			load:    func(context.Context, Key) (string, time.Duration, error) { return "bad", 0, nil },
			wantErr: []error{ErrInvalidRoute, errBadRoute},
			wantMsg: "routecache: invalid route: route is bad (the route loaded for telegram:bot:r)",
		},
		{
			name:    "validate panics on the route",
			load:    func(context.Context, Key) (string, time.Duration, error) { return "panic", 0, nil },
			wantErr: []error{ErrInvalidRoute},
			wantMsg: "routecache: invalid route: Validate panicked: validate panics (the route loaded for telegram:bot:r)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newTestCache(t, Config[string]{Validate: func(route string) error {
				if route == "panic" {
					panic("validate panics")
				}
				return rejectBad(route)
			}})
			k := key("r", "")
			_, err := c.ResolveWith(context.Background(), k, tc.load)
			for _, want := range tc.wantErr {
				require.ErrorIs(t, err, want)
			}
			assert.EqualError(t, err, tc.wantMsg)
			assert.Zero(t, c.Len(), "nothing stored")

			res, err := c.ResolveWith(context.Background(), k, tc.load, "bad", "fb")
			require.NoError(t, err)
			assert.Equal(t, Resolution[string]{Route: "fb", Key: k, Shard: c.ShardOf(k), Source: SourceFallback, Reason: ReasonLoadFailed}, res)
			rec, err := c.Get(k)
			require.NoError(t, err)
			assert.Equal(t, "fb", rec.Route, "the fallback is stored")
			assert.Equal(t, uint64(2), c.Stats().LoadErrors)
		})
	}
}

// A loader may use the cache: Get, Set and ResolveWith of another key. Its
// own key, resolved with the context it was given, is refused instead of
// waiting for itself, also through another key's load.
func TestResolveWithLoaderCallsTheCache(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	a, b, self := key("a", ""), key("b", ""), key("self", "")
	require.NoError(t, c.Set(key("seen", ""), "seen-route"))
	loadB := func(ctx context.Context, _ Key) (string, time.Duration, error) {
		rec, err := c.Get(key("seen", ""))
		if err != nil {
			return "", 0, err
		}
		if err := c.Set(key("side", ""), "side-route"); err != nil {
			return "", 0, err
		}
		return "b-via-" + rec.Route, 0, nil
	}
	loadA := func(ctx context.Context, _ Key) (string, time.Duration, error) {
		res, err := c.ResolveWith(ctx, b, loadB)
		if err != nil {
			return "", 0, err
		}
		return "a-via-" + res.Route, 0, nil
	}
	res, err := c.ResolveWith(context.Background(), a, loadA)
	require.NoError(t, err)
	assert.Equal(t, "a-via-b-via-seen-route", res.Route)
	for _, k := range []Key{a, b, key("side", "")} {
		_, err := c.Get(k)
		assert.NoError(t, err, "%v stored", k)
	}

	var selfLoad Loader[string]
	selfLoad = func(ctx context.Context, k Key) (string, time.Duration, error) {
		_, err := c.ResolveWith(ctx, self, selfLoad)
		return "", 0, err
	}
	_, err = c.ResolveWith(context.Background(), self, selfLoad)
	require.ErrorIs(t, err, ErrLoad)
	assert.Contains(t, err.Error(), "its loader resolves the same key")

	// self's load resolves b, whose load resolves self: a cycle.
	var cycleSelf, cycleB Loader[string]
	cycleB = func(ctx context.Context, _ Key) (string, time.Duration, error) {
		_, err := c.ResolveWith(ctx, self, cycleSelf)
		return "", 0, err
	}
	cycleSelf = func(ctx context.Context, _ Key) (string, time.Duration, error) {
		_, err := c.ResolveWith(ctx, key("b2", ""), cycleB)
		return "", 0, err
	}
	_, err = c.ResolveWith(context.Background(), self, cycleSelf)
	assert.ErrorIs(t, err, ErrLoad)
}

// OnEvict may call ResolveWith while a load is being stored.
func TestResolveWithOnEvictCallsBack(t *testing.T) {
	var c *Cache[string]
	var evicted atomic.Int64
	c, _, _ = newTestCache(t, Config[string]{Shards: 1, MaxEntriesPerShard: 1, OnEvict: func(k Key, _ string, _ EvictReason) {
		evicted.Add(1)
		load, _ := countingLoader("again", 0, nil)
		_, _ = c.ResolveWith(context.Background(), key("other", ""), load)
	}})
	require.NoError(t, c.Set(key("first", ""), "x"))
	load, _ := countingLoader("loaded", 0, nil)
	res, err := c.ResolveWith(context.Background(), key("second", ""), load)
	require.NoError(t, err)
	assert.Equal(t, "loaded", res.Route)
	assert.Positive(t, evicted.Load())
}

// The loader's TTL is the stored route's; zero means the cache's TTL and a
// TTL past the clock's range is clamped.
func TestResolveWithLoaderTTL(t *testing.T) {
	c, clk, _ := newTestCache(t, Config[string]{TTL: time.Minute})
	for _, tc := range []struct {
		room string
		ttl  time.Duration
		want time.Duration
	}{
		{"short", 10 * time.Second, 10 * time.Second},
		{"default", 0, time.Minute},
		{"long", time.Hour, time.Hour},
	} {
		load, _ := countingLoader(tc.room, tc.ttl, nil)
		res, err := c.ResolveWith(context.Background(), key(tc.room, ""), load)
		require.NoError(t, err)
		assert.Equal(t, SourceLoaded, res.Source)
		rec, err := c.Get(key(tc.room, ""))
		require.NoError(t, err)
		assert.True(t, rec.ExpiresAt.Equal(clk.Now().Add(tc.want)), "%s: expires %v", tc.room, rec.ExpiresAt)
	}
	clk.Advance(10 * time.Second)
	_, err := c.Get(key("short", ""))
	assert.ErrorIs(t, err, ErrExpired, "expired at the loader's TTL")
	_, err = c.Get(key("default", ""))
	assert.NoError(t, err)

	load, _ := countingLoader("forever", math.MaxInt64, nil)
	_, err = c.ResolveWith(context.Background(), key("forever", ""), load)
	require.NoError(t, err)
	rec, err := c.Get(key("forever", ""))
	require.NoError(t, err)
	assert.True(t, rec.ExpiresAt.After(clk.Now().Add(100*365*24*time.Hour)), "clamped to the far future")
}

// After Close, ResolveWith answers as Resolve does and never loads.
func TestResolveWithClosed(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	k := key("r", "t")
	require.NoError(t, c.Set(k, "exact"))
	require.NoError(t, c.Close())
	load, calls := countingLoader("loaded", 0, nil)

	res, err := c.ResolveWith(context.Background(), k, load, "bad", "fb")
	require.NoError(t, err)
	assert.Equal(t, Resolution[string]{Route: "fb", Key: k, Shard: c.ShardOf(k), Source: SourceFallback, Reason: ReasonUnavailable}, res)
	_, err = c.ResolveWith(context.Background(), k, load)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = c.ResolveWith(context.Background(), Key{}, load, "fb")
	assert.ErrorIs(t, err, ErrInvalidKey)
	assert.Zero(t, calls.Load(), "a closed cache never loads")
	assert.Equal(t, uint64(0), c.Stats().Loads)
}

// A load in flight when the cache closes answers its callers but stores
// nothing.
func TestResolveWithCloseDuringLoad(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	release := make(chan struct{})
	loading := make(chan struct{})
	load := func(context.Context, Key) (string, time.Duration, error) {
		close(loading)
		<-release
		return "loaded", 0, nil
	}
	got := make(chan Resolution[string], 1)
	go func() {
		res, err := c.ResolveWith(context.Background(), key("r", ""), load)
		assert.NoError(t, err)
		got <- res
	}()
	<-loading
	require.NoError(t, c.Close())
	close(release)
	res := <-got
	assert.Equal(t, "loaded", res.Route)
	assert.Equal(t, SourceLoaded, res.Source)
	assert.Zero(t, c.Len())
}

// Without a loader ResolveWith is Resolve; a nil ctx is the background one.
func TestResolveWithNilArguments(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	res, err := c.ResolveWith(nil, key("r", ""), nil, "fb") //nolint:staticcheck // a nil ctx is bad input that must not panic
	require.NoError(t, err)
	assert.Equal(t, SourceFallback, res.Source)
	assert.Equal(t, ReasonMiss, res.Reason)
	_, err = c.ResolveWith(context.Background(), key("s", ""), nil)
	assert.ErrorIs(t, err, ErrNoRoute)
	load, _ := countingLoader("loaded", 0, nil)
	res, err = c.ResolveWith(nil, key("t", ""), load) //nolint:staticcheck // as above
	require.NoError(t, err)
	assert.Equal(t, SourceLoaded, res.Source)
}

// A ResolveWith hit allocates nothing and takes no lock, as a Resolve hit.
func TestResolveWithHitAllocations(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{OnEvict: func(Key, string, EvictReason) {}})
	k := key("r", "t")
	require.NoError(t, c.Set(k, "route"))
	load, calls := countingLoader("loaded", 0, nil)
	ctx := context.Background()
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = c.ResolveWith(ctx, k, load) }), "ResolveWith exact hit")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = c.ResolveWith(ctx, k, load, "fb1", "fb2") }), "ResolveWith exact hit with fallbacks")
	assert.Zero(t, calls.Load())
}

// The flight bookkeeping is made by the first load, not before.
func TestResolveWithFlightsAreLazy(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{Shards: 4})
	require.NoError(t, c.Set(key("r", ""), "held"))
	_, _ = c.ResolveWith(context.Background(), key("r", ""), func(context.Context, Key) (string, time.Duration, error) { return "x", 0, nil })
	assert.Nil(t, c.loads.groups.Load(), "a hit makes no flight groups")
	load, _ := countingLoader("loaded", 0, nil)
	_, err := c.ResolveWith(context.Background(), key("s", ""), load)
	require.NoError(t, err)
	groups := c.loads.groups.Load()
	require.NotNil(t, groups)
	assert.Len(t, *groups, 4)
	for i := range *groups {
		assert.Empty(t, (*groups)[i].flights, "no flight outlives its load")
	}
}
