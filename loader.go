package routecache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Loader returns the route for k from an authoritative source (a routing
// directory, a database), with its TTL (0: the cache's TTL).
type Loader[V any] func(ctx context.Context, k Key) (route V, ttl time.Duration, err error)

// ResolveWith is Resolve with a loader between the room and the fallbacks:
// exact, room, load, fallbacks. A key that misses its exact and room routes
// is loaded, the loaded route is stored for k with the TTL load gave, and
// the next lookup of k is an exact hit (Source loaded, Reason miss, or stale
// if an expired entry was met on the way).
//
// A single flight per key, as with golang.org/x/sync/singleflight: at most
// one load of a key runs at a time in the whole cache, and every caller
// that misses k while it runs waits for it and shares its answer, route or
// failure. The bookkeeping is per shard, with no lock wider than one
// shard's. Like singleflight, nothing outlives the flight: a failure is not
// remembered (the next miss loads again) and each caller applies its own
// fallbacks to a shared failure. Unlike singleflight.Do, a panic in load is
// not re-raised in the callers: it becomes an error.
//
// The load runs on a goroutine of its own, with a context that carries
// ctx's values but not its cancellation or deadline (context.WithoutCancel
// of the caller that started it). A caller whose ctx ends stops waiting and
// returns ctx.Err() at once; the load goes on for the others and its route
// is stored. A caller whose ctx has already ended when k misses starts no
// load. Bound the load's time inside load (context.WithTimeout): until a
// load returns, every caller of its key waits for it.
//
// The loaded route must pass Validate, and a TTL below zero is an error.
// The route is stored before the waiting callers are released, so a caller
// that comes after them finds it. When load fails (an error: wrapped with
// ErrLoad, errors.Is finds both; a panic; a negative TTL, also
// ErrInvalidTTL) or its route is rejected (ErrInvalidRoute), the first
// valid fallback answers (Source fallback, Reason load_failed) and is
// stored like Resolve's fallbacks; with none, that error is returned.
//
// load may call the cache, ResolveWith of other keys included. A load that
// resolves its own key with the context it was given is refused with
// ErrLoad rather than left waiting for itself; with an unrelated context it
// would wait forever, as with singleflight.
//
// With a nil load, ResolveWith is Resolve. After Close it answers as Resolve
// does and never calls load; a load in flight at Close is not waited for,
// and its route is answered but not stored. Stats count hits, room hits,
// fallback answers and misses (a failure returned) as Resolve's, plus Loads
// and LoadErrors per load; a caller whose ctx ended counts nothing.
//
// Cost: a hit costs what a Resolve hit costs, no lock and no allocation, as
// long as load itself is not built for the call: load may outlive the call,
// so a closure literal capturing variables is allocated at every call, hits
// included; keep the Loader in a variable. A miss takes its shard's flight
// lock once per caller and twice more for the load, which adds a goroutine,
// a flight and a context.
func (c *Cache[V]) ResolveWith(ctx context.Context, k Key, load Loader[V], fallbacks ...V) (Resolution[V], error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return c.resolve(ctx, k, load, fallbacks)
}

// loadFlights is a cache's single-flight bookkeeping: one flightGroup per
// shard, made by the first load, so a cache that never loads pays one nil
// pointer for it. The zero value is ready.
type loadFlights[V any] struct {
	// groups is set once, by compare-and-swap, to a slice with a group per
	// shard; never changed afterwards.
	groups atomic.Pointer[[]flightGroup[V]]
}

// group returns shard's group, making every shard's on first use.
func (l *loadFlights[V]) group(shard, shards int) *flightGroup[V] {
	groups := l.groups.Load()
	if groups == nil {
		fresh := make([]flightGroup[V], shards)
		if l.groups.CompareAndSwap(nil, &fresh) {
			groups = &fresh
		} else {
			groups = l.groups.Load()
		}
	}
	return &(*groups)[shard]
}

// flightGroup holds the loads in flight for the keys of one shard.
type flightGroup[V any] struct {
	mu      sync.Mutex
	flights map[Key]*flight[V] // guarded by mu; made by the shard's first load
}

// flight is one load in progress and, once done is closed, its result.
type flight[V any] struct {
	done chan struct{} // closed when the load is over; route and err are written before
	// storing is set, under the group's mu, once the route is about to be
	// stored: a caller that finds the flight then waits for it and looks
	// the key up again, rather than sharing an answer that a Delete may
	// already have overtaken.
	storing bool
	route   V     // the valid route loaded, written once before done is closed
	err     error // why no route was loaded, written once before done is closed
}

// loadResult is what the load step gives a caller that waited to the end.
type loadResult[V any] struct {
	route V
	// held: route was found live for the key when the caller looked again
	// under the flight lock; stored by a load that ended meanwhile, or by a
	// Set. It answers as an exact hit.
	held bool
	err  error // the load's failure: wraps ErrLoad or ErrInvalidRoute
}

// loadRoute is the load step of ResolveWith: it joins the key's flight or
// starts one, and waits for it. The error is ctx's, when the wait ended
// with ctx; the load's own failure comes in the result.
func (c *Cache[V]) loadRoute(ctx context.Context, s *shard[V], h uint64, k Key, shard int, load Loader[V]) (loadResult[V], error) {
	g := c.loads.group(shard, len(c.shards))
	for {
		g.mu.Lock()
		f := g.flights[k]
		switch {
		case f == nil:
			// A load may have stored k between this caller's miss and the
			// lock; looking again under the lock is what keeps its callers
			// to one load.
			if e, ok := s.load(h, &k); ok && c.alive(e.Value.expiresAt) {
				g.mu.Unlock()
				return loadResult[V]{route: e.Value.route, held: true}, nil
			}
			if err := ctx.Err(); err != nil {
				g.mu.Unlock()
				return loadResult[V]{}, err
			}
			f = &flight[V]{done: make(chan struct{})}
			if g.flights == nil {
				g.flights = make(map[Key]*flight[V])
			}
			g.flights[k] = f
			g.mu.Unlock()
			go c.runLoad(loadContext(ctx, f), g, f, s, h, k, load)
		case f.storing:
			g.mu.Unlock()
			if err := awaitFlight(ctx, f.done); err != nil {
				return loadResult[V]{}, err
			}
			continue // stored: look again
		default:
			g.mu.Unlock()
			if loadsItself(ctx, f) {
				return loadResult[V]{err: fmt.Errorf("%w for %s: its loader resolves the same key", ErrLoad, k)}, nil
			}
		}
		if err := awaitFlight(ctx, f.done); err != nil {
			return loadResult[V]{}, err
		}
		return loadResult[V]{route: f.route, err: f.err}, nil
	}
}

// awaitFlight waits until done is closed or ctx ends, and returns ctx's
// error in the second case.
func awaitFlight(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runLoad runs load for the flight f, stores a valid route and releases
// the flight's callers. It runs on a goroutine of its own.
func (c *Cache[V]) runLoad(ctx context.Context, g *flightGroup[V], f *flight[V], s *shard[V], h uint64, k Key, load Loader[V]) {
	c.stats.stripe().loads.Add(1)
	returned := false
	defer func() {
		if !returned { // load called runtime.Goexit: release the callers all the same
			f.err = fmt.Errorf("%w for %s: the loader ended its goroutine", ErrLoad, k)
			c.stats.stripe().loadErrors.Add(1)
			c.land(g, f, k)
		}
	}()
	route, ttl, err := callLoader(ctx, k, load)
	returned = true
	if err == nil {
		err = c.checkLoaded(k, route, ttl)
	}
	if err != nil {
		c.stats.stripe().loadErrors.Add(1)
		f.err = err
		c.land(g, f, k)
		return
	}
	if c.live.Load() {
		g.mu.Lock()
		f.storing = true
		g.mu.Unlock()
		if ttl == 0 {
			ttl = time.Duration(c.ttl)
		}
		c.write(s, h, k, route, int64(ttl))
	}
	f.route = route
	c.land(g, f, k)
}

// land ends the flight f: k has no load in flight any more, and its
// callers are released.
func (c *Cache[V]) land(g *flightGroup[V], f *flight[V], k Key) {
	g.mu.Lock()
	delete(g.flights, k)
	g.mu.Unlock()
	close(f.done)
}

// callLoader calls load, turning its error or its panic into an error
// wrapping ErrLoad.
func callLoader[V any](ctx context.Context, k Key, load Loader[V]) (route V, ttl time.Duration, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero V
			route, ttl, err = zero, 0, fmt.Errorf("%w for %s: the loader panicked: %v", ErrLoad, k, p)
		}
	}()
	route, ttl, err = load(ctx, k)
	if err != nil {
		var zero V
		return zero, 0, fmt.Errorf("%w for %s: %w", ErrLoad, k, err)
	}
	return route, ttl, nil
}

// checkLoaded refuses a loaded route Validate rejects, and a negative TTL.
func (c *Cache[V]) checkLoaded(k Key, route V, ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("%w for %s: %w: the loader gave %v", ErrLoad, k, ErrInvalidTTL, ttl)
	}
	if err := c.checkRoute(route); err != nil {
		return fmt.Errorf("%w (the route loaded for %s)", err, k)
	}
	return nil
}

// loadingKey is the context key of loading.
type loadingKey struct{}

// loading is carried by a load's context: the flight it serves, and the
// loading of the load whose loader started it, if any. It lets a loader
// that resolves a key whose load is waiting for it be refused.
type loading struct {
	flight any
	outer  *loading
}

// loadContext returns the context a load for f runs with: ctx's values,
// not its cancellation, and f added to the loads it serves.
func loadContext(ctx context.Context, f any) context.Context {
	outer, _ := ctx.Value(loadingKey{}).(*loading)
	return context.WithValue(context.WithoutCancel(ctx), loadingKey{}, &loading{flight: f, outer: outer})
}

// loadsItself reports whether ctx belongs to f's own load, or to a load
// that f's load is waiting for: waiting for f would never end.
func loadsItself(ctx context.Context, f any) bool {
	for l, _ := ctx.Value(loadingKey{}).(*loading); l != nil; l = l.outer {
		if l.flight == f {
			return true
		}
	}
	return false
}
