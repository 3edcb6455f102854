package routecache

import (
	"context"
	"fmt"
)

// Source says where a Resolution's route came from.
type Source int

const (
	// SourceExact: the key's own live route.
	SourceExact Source = iota
	// SourceRoom: the live route of the key's room (the key has a thread).
	SourceRoom
	// SourceFallback: the first supplied fallback that passed Validate.
	SourceFallback
	// SourceLoaded: the route ResolveWith's loader returned.
	SourceLoaded
)

// String returns "exact", "room", "fallback" or "loaded".
func (s Source) String() string {
	switch s {
	case SourceExact:
		return "exact"
	case SourceRoom:
		return "room"
	case SourceFallback:
		return "fallback"
	case SourceLoaded:
		return "loaded"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// Reason says why a Resolution is not an exact hit.
type Reason int

const (
	// ReasonNone: an exact hit.
	ReasonNone Reason = iota
	// ReasonStale: an exact or room route was found but had expired.
	ReasonStale
	// ReasonMiss: nothing was held for the key (nor for its room).
	ReasonMiss
	// ReasonThreadMiss: the thread had no route; its room's route answered.
	ReasonThreadMiss
	// ReasonUnavailable: the cache is closed; a fallback answered.
	ReasonUnavailable
	// ReasonLoadFailed: ResolveWith's loader failed or gave a route
	// Validate rejected; a fallback answered.
	ReasonLoadFailed
)

// String returns "none", "stale", "miss", "thread_miss", "unavailable" or
// "load_failed".
func (r Reason) String() string {
	switch r {
	case ReasonNone:
		return "none"
	case ReasonStale:
		return "stale"
	case ReasonMiss:
		return "miss"
	case ReasonThreadMiss:
		return "thread_miss"
	case ReasonUnavailable:
		return "unavailable"
	case ReasonLoadFailed:
		return "load_failed"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Resolution is the answer of Resolve and ResolveWith: the route, where it
// came from and why.
type Resolution[V any] struct {
	Route  V
	Key    Key    // the key that was resolved
	Shard  int    // ShardOf(Key)
	Source Source // SourceExact, SourceRoom, SourceLoaded, SourceFallback
	Stale  bool   // an exact or room route was found but had expired
	Reason Reason // ReasonNone on an exact hit; else ReasonStale, ReasonMiss, ReasonThreadMiss, ReasonUnavailable, ReasonLoadFailed
}

// Fallback reports whether the route is not k's own: Source != SourceExact.
func (r Resolution[V]) Fallback() bool { return r.Source != SourceExact }

// Resolve answers where traffic for k goes, in this order:
//
//  1. exact: k's live route (Source exact, Reason none);
//  2. room: if k has a thread, the live route of k.RoomScope(), looked up in
//     the room key's own shard (Source room; Reason stale if k's own entry
//     was found expired, else thread_miss);
//  3. fallback: the first of fallbacks that passes Validate (Source
//     fallback; Reason stale if an exact or room entry was found expired,
//     else miss).
//
// A room or fallback answer is stored for k with the default TTL, so the
// next Resolve of k is an exact hit. Expired entries met on the way are
// removed. With none of the three, Resolve returns ErrNoRoute; with an
// invalid key, ErrInvalidKey. After Close it answers from the fallbacks
// alone (Reason unavailable, nothing stored) or returns ErrClosed.
//
// An exact hit costs what a Get hit costs: no lock, no allocation. A room
// hit adds a second lookup and a write; a fallback adds a write. A fallback
// Validate rejects costs the Validate call and nothing else.
func (c *Cache[V]) Resolve(k Key, fallbacks ...V) (Resolution[V], error) {
	return c.resolve(nil, k, nil, fallbacks)
}

// resolve is the one decision path of Resolve and ResolveWith: exact, room,
// then, only when load is not nil, the load (loader.go), then the fallbacks.
// ctx is read only by the load step. The exact hit is answered here and
// everything else in resolveMiss: the hit path keeps a small frame and
// builds its Resolution once, which measured faster than filling one in
// as the steps go (bench/results-notes.md).
func (c *Cache[V]) resolve(ctx context.Context, k Key, load Loader[V], fallbacks []V) (Resolution[V], error) {
	if !k.fits(c.maxKeyBytes) {
		if err := c.checkKey(k); err != nil {
			return Resolution[V]{}, err
		}
	}
	h := hashKey(k)
	shard := c.shardIndex(h)
	if !c.live.Load() {
		return c.resolveClosed(Resolution[V]{Key: k, Shard: shard}, fallbacks)
	}
	s := &c.shards[shard]
	e, held := s.table.Probe(h)
	if held && !holds(&e, &k) {
		e, held = s.table.LoadShared(h, &k, e.Seq == 0) // k's hash is shared, or held by another key
	}
	if held && c.alive(e.Value.expiresAt) {
		c.stats.stripe().hits.Add(1)
		return Resolution[V]{Route: e.Value.route, Key: k, Shard: shard}, nil
	}
	res := Resolution[V]{Key: k, Shard: shard}
	if held {
		c.dropExpired(s, h, e)
		res.Stale = true
	}
	return c.resolveMiss(ctx, s, h, res, load, fallbacks)
}

// resolveMiss goes on from a k that has no live route of its own, res.Key:
// room, load, fallbacks.
func (c *Cache[V]) resolveMiss(ctx context.Context, s *shard[V], h uint64, res Resolution[V], load Loader[V], fallbacks []V) (Resolution[V], error) {
	k := res.Key
	if k.Thread != "" {
		if route, found := c.resolveRoom(k.RoomScope(), &res); found {
			c.write(s, h, k, route, c.ttl)
			c.stats.stripe().roomHits.Add(1)
			return res.answer(route, SourceRoom, ReasonThreadMiss), nil
		}
	}
	reason, failure := ReasonMiss, error(nil)
	if load != nil {
		got, err := c.loadRoute(ctx, s, h, k, res.Shard, load)
		if err != nil {
			return Resolution[V]{}, err // the caller's ctx ended; the load goes on
		}
		switch {
		case got.held:
			// Another caller's load stored the route after this one missed.
			c.stats.stripe().hits.Add(1)
			res.Stale = false
			return res.answer(got.route, SourceExact, ReasonNone), nil
		case got.err == nil:
			return res.answer(got.route, SourceLoaded, ReasonMiss), nil
		}
		reason, failure = ReasonLoadFailed, got.err
	}
	if route, ok := c.firstValid(fallbacks); ok {
		c.write(s, h, k, route, c.ttl)
		c.stats.stripe().fallbackHits.Add(1)
		return res.answer(route, SourceFallback, reason), nil
	}
	c.stats.stripe().misses.Add(1)
	if failure != nil {
		return Resolution[V]{}, failure
	}
	return Resolution[V]{}, fmt.Errorf("%w for %s", ErrNoRoute, k)
}

// answer returns r answered with route from source, for reason, unless an
// expired entry was met on the way: then the reason is stale. A failed load
// stays the reason, since it is why a fallback answered; Stale still tells
// of the expired entry.
func (r Resolution[V]) answer(route V, source Source, reason Reason) Resolution[V] {
	r.Route, r.Source, r.Reason = route, source, reason
	if r.Stale && reason != ReasonLoadFailed {
		r.Reason = ReasonStale
	}
	return r
}

// resolveRoom looks up the room's route in the room key's own shard,
// removing it and marking res stale if it has expired.
func (c *Cache[V]) resolveRoom(room Key, res *Resolution[V]) (V, bool) {
	rh := hashKey(room)
	rs := &c.shards[c.shardIndex(rh)]
	e, ok := rs.load(rh, &room)
	if !ok {
		var zero V
		return zero, false
	}
	if c.alive(e.Value.expiresAt) {
		return e.Value.route, true
	}
	c.dropExpired(rs, rh, e)
	res.Stale = true
	var zero V
	return zero, false
}

// resolveClosed answers for a closed cache from the fallbacks alone.
func (c *Cache[V]) resolveClosed(res Resolution[V], fallbacks []V) (Resolution[V], error) {
	route, ok := c.firstValid(fallbacks)
	if !ok {
		return Resolution[V]{}, ErrClosed
	}
	if c.shards != nil { // the zero Cache has no counters to count in
		c.stats.stripe().fallbackHits.Add(1)
	}
	return res.answer(route, SourceFallback, ReasonUnavailable), nil
}

// firstValid returns the first fallback that passes Validate.
func (c *Cache[V]) firstValid(fallbacks []V) (V, bool) {
	for _, f := range fallbacks {
		if c.valid(f) {
			return f, true
		}
	}
	var zero V
	return zero, false
}

// valid reports whether Validate accepts route; a panic counts as a
// rejection, as in checkRoute. Unlike checkRoute it builds no error value,
// so a rejected fallback costs the Validate call and nothing more
// (TestResolveRejectedFallbacksAllocateNothing).
func (c *Cache[V]) valid(route V) (ok bool) {
	if c.validate == nil {
		return true
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return c.validate(route) == nil
}
