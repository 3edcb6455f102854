package routecache

import "fmt"

// Source says where a Resolution's route came from.
type Source int

const (
	// SourceExact: the key's own live route.
	SourceExact Source = iota
	// SourceRoom: the live route of the key's room (the key has a thread).
	SourceRoom
	// SourceFallback: the first supplied fallback that passed Validate.
	SourceFallback
)

// String returns "exact", "room" or "fallback".
func (s Source) String() string {
	switch s {
	case SourceExact:
		return "exact"
	case SourceRoom:
		return "room"
	case SourceFallback:
		return "fallback"
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
)

// String returns "none", "stale", "miss", "thread_miss" or "unavailable".
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
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Resolution is the answer of Resolve: the route, where it came from and
// why.
type Resolution[V any] struct {
	Route  V
	Key    Key    // the key that was resolved
	Shard  int    // ShardOf(Key)
	Source Source // SourceExact, SourceRoom, SourceFallback
	Stale  bool   // an exact or room route was found but had expired
	Reason Reason // ReasonNone on an exact hit; else ReasonStale, ReasonMiss, ReasonThreadMiss, ReasonUnavailable
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
// hit adds a second lookup and a write; a fallback adds a write.
func (c *Cache[V]) Resolve(k Key, fallbacks ...V) (Resolution[V], error) {
	if err := c.checkKey(k); err != nil {
		return Resolution[V]{}, err
	}
	h := c.hash(k)
	res := Resolution[V]{Key: k, Shard: c.shardIndex(h)}
	if c.closed.Load() {
		return c.resolveClosed(res, fallbacks)
	}
	s := &c.shards[res.Shard]
	now := c.now()
	if e, ok := s.table.load(h, k); ok {
		if e.expiresAt > now {
			c.stats.stripe().hits.Add(1)
			res.Route = e.route
			return res, nil
		}
		c.dropExpired(s, h, e)
		res.Stale = true
	}
	if k.Thread != "" {
		if route, found := c.resolveRoom(k.RoomScope(), now, &res); found {
			c.write(s, h, k, route, c.ttl)
			c.stats.stripe().roomHits.Add(1)
			return res.answer(route, SourceRoom, ReasonThreadMiss), nil
		}
	}
	if route, ok := c.firstValid(fallbacks); ok {
		c.write(s, h, k, route, c.ttl)
		c.stats.stripe().fallbackHits.Add(1)
		return res.answer(route, SourceFallback, ReasonMiss), nil
	}
	c.stats.stripe().misses.Add(1)
	return Resolution[V]{}, fmt.Errorf("%w for %s", ErrNoRoute, k)
}

// answer returns r answered with route from source, for reason, unless an
// expired entry was met on the way: then the reason is stale.
func (r Resolution[V]) answer(route V, source Source, reason Reason) Resolution[V] {
	r.Route, r.Source, r.Reason = route, source, reason
	if r.Stale {
		r.Reason = ReasonStale
	}
	return r
}

// resolveRoom looks up the room's route in the room key's own shard,
// removing it and marking res stale if it has expired.
func (c *Cache[V]) resolveRoom(room Key, now int64, res *Resolution[V]) (V, bool) {
	rh := c.hash(room)
	rs := &c.shards[c.shardIndex(rh)]
	e, ok := rs.table.load(rh, room)
	if !ok {
		var zero V
		return zero, false
	}
	if e.expiresAt > now {
		return e.route, true
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
	c.stats.stripe().fallbackHits.Add(1)
	return res.answer(route, SourceFallback, ReasonUnavailable), nil
}

// firstValid returns the first fallback that passes Validate.
func (c *Cache[V]) firstValid(fallbacks []V) (V, bool) {
	for _, f := range fallbacks {
		if c.checkRoute(f) == nil {
			return f, true
		}
	}
	var zero V
	return zero, false
}
