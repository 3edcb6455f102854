package fuzz

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/c41db742/routecache"
)

// The reference model: a plain, single-threaded restatement of the SPEC and
// of the core's documented decisions, written for clarity, not speed. A map
// per shard (shards as the cache's own ShardOf assigns them), an explicit
// write counter for the eviction order, expiry read from the same FakeClock.
// The differential fuzzer runs every operation on the cache and on the model
// and compares everything observable.

// refEntry is one route the model holds.
type refEntry struct {
	route     string
	updatedAt time.Time
	expiresAt time.Time
	// clamped is set when UpdatedAt+ttl does not fit the cache's clock
	// range: the SPEC only says such an expiry is clamped to the far future,
	// so the model compares it loosely (see farFuture).
	clamped bool
	write   uint64 // position in the write order; the oldest write is evicted first
}

// farFuture is how far ahead a clamped expiry must at least lie.
const farFuture = 100 * 365 * 24 * time.Hour

func (e *refEntry) aliveAt(now time.Time) bool {
	return e.clamped || e.expiresAt.After(now)
}

// record is what Get and All should return for e.
func (e *refEntry) record() routecache.Record[string] {
	return routecache.Record[string]{Route: e.route, UpdatedAt: e.updatedAt, ExpiresAt: e.expiresAt}
}

// matches reports whether the cache's record r is the model's entry e.
func (e *refEntry) matches(r routecache.Record[string]) bool {
	if r.Route != e.route || !r.UpdatedAt.Equal(e.updatedAt) {
		return false
	}
	if e.clamped {
		return r.ExpiresAt.After(e.updatedAt.Add(farFuture))
	}
	return r.ExpiresAt.Equal(e.expiresAt)
}

// refModel is the sequential reference cache.
type refModel struct {
	ttl         time.Duration
	capacity    int
	maxKeyBytes int
	clock       *routecache.FakeClock
	// epoch is the clock's reading when the cache was created: the cache
	// keeps times as int64 nanoseconds from it, which is where the clamp of
	// huge TTLs comes from.
	epoch   time.Time
	shardOf func(routecache.Key) int
	shards  []map[routecache.Key]*refEntry

	// exactOrder: every write uses the default TTL and the clock only moves
	// forward, so eviction is exactly least-recently-written first. Without
	// it the model checks only what the core guarantees then: the victim
	// lies in the soonest-expiring segment (see acceptableVictim).
	exactOrder   bool
	segmentShift uint      // log2 of the coarse segment width acceptableVictim uses
	latest       time.Time // the latest clock reading so far: the wheel never sweeps back

	writes uint64
	closed bool
	stats  routecache.Stats

	// expected collects the OnEvict calls the current operation must make.
	expected []evictCall[string]
	// observed holds the OnEvict calls the cache made in the current
	// operation. Only the loose eviction order reads it, to learn which of
	// the acceptable victims the cache chose.
	observed []evictCall[string]
	// violation describes an eviction the SPEC forbids, found while
	// applying observed; the driver fails on it.
	violation string
}

// modelOptions are the settings the model mirrors from the cache's Config.
type modelOptions struct {
	ttl         time.Duration
	capacity    int
	maxKeyBytes int
	exactOrder  bool
}

func newRefModel(opts modelOptions, clock *routecache.FakeClock, shards int, shardOf func(routecache.Key) int) *refModel {
	m := &refModel{
		ttl:         opts.ttl,
		capacity:    opts.capacity,
		maxKeyBytes: opts.maxKeyBytes,
		clock:       clock,
		epoch:       clock.Now(),
		shardOf:     shardOf,
		shards:      make([]map[routecache.Key]*refEntry, shards),
		exactOrder:  opts.exactOrder,
		latest:      clock.Now(),
	}
	// The SPEC puts the segment width at about TTL/64. The next power of two
	// above it is a granularity at least as coarse as any power-of-two width
	// near TTL/64, and power-of-two segments nest, so "soonest segment" at
	// this width is implied by "soonest segment" at the cache's own width.
	m.segmentShift = uint(bits.Len64(uint64(opts.ttl / 64)))
	for i := range m.shards {
		m.shards[i] = make(map[routecache.Key]*refEntry)
	}
	return m
}

// routeValid mirrors the fuzzer's Validate: "bad" is rejected and "panic"
// panics, which the cache treats as a rejection.
func routeValid(route string) bool {
	return route != badRoute && route != panicRoute
}

// validKey restates the SPEC's key rule independently of the cache.
func (m *refModel) validKey(k routecache.Key) bool {
	if k.Channel == "" || k.Bridge == "" || k.Room == "" {
		return false
	}
	return len(k.Channel)+len(k.Bridge)+len(k.Room)+len(k.Thread) <= m.maxKeyBytes
}

// clockMoved notes a clock change; the wheel's sweep position only grows.
func (m *refModel) clockMoved() {
	if now := m.clock.Now(); now.After(m.latest) {
		m.latest = now
	}
}

func (m *refModel) len() int {
	n := 0
	for _, s := range m.shards {
		n += len(s)
	}
	return n
}

// takeExpected returns the OnEvict calls expected of the operation just
// modelled and starts a new operation.
func (m *refModel) takeExpected() []evictCall[string] {
	e := m.expected
	m.expected = m.expected[:0]
	return e
}

// remove takes k out of its shard and expects the OnEvict call for it. An
// entry that had already expired is reported as EvictExpired whatever removed
// it, as the SPEC says for every removal path.
func (m *refModel) remove(k routecache.Key, reason routecache.EvictReason) {
	shard := m.shards[m.shardOf(k)]
	e := shard[k]
	delete(shard, k)
	if !e.aliveAt(m.clock.Now()) {
		reason = routecache.EvictExpired
	}
	switch reason {
	case routecache.EvictExpired:
		m.stats.Expirations++
	case routecache.EvictCapacity:
		m.stats.Evictions++
	}
	m.expected = append(m.expected, evictCall[string]{key: k, route: e.route, reason: reason})
}

// lookup returns k's entry, removing it first when it has expired (the
// SPEC's Get and Resolve remove the expired entries they meet). stale
// reports whether an expired entry was met.
func (m *refModel) lookup(k routecache.Key) (e *refEntry, stale bool) {
	e = m.shards[m.shardOf(k)][k]
	if e == nil {
		return nil, false
	}
	if !e.aliveAt(m.clock.Now()) {
		m.remove(k, routecache.EvictExpired)
		m.stats.Stale++
		return nil, true
	}
	return e, false
}

// store writes route for k and evicts while the shard is over capacity.
func (m *refModel) store(k routecache.Key, route string, ttl time.Duration) {
	now := m.clock.Now()
	m.writes++
	e := &refEntry{route: route, updatedAt: now, write: m.writes}
	// The cache keeps expiries as int64 nanoseconds from its epoch; an
	// expiry beyond that range is clamped.
	if offset := now.Sub(m.epoch); offset > 0 && ttl > math.MaxInt64-offset {
		e.clamped = true
	} else {
		e.expiresAt = now.Add(ttl)
	}
	si := m.shardOf(k)
	m.shards[si][k] = e // an overwrite leaves without an OnEvict call
	for len(m.shards[si]) > m.capacity {
		m.remove(m.victim(si), routecache.EvictCapacity)
	}
}

// Rewrite models a Set of the route k already holds in shard si, at the
// instant it was written: the entry stays as it is but for its place in the
// write order, and the Sets count grows. It stands for the second and later
// writes of a burst, whose first write went through Set, and costs next to
// nothing. It returns false, changing nothing, if k holds no entry written
// at this instant.
func (m *refModel) Rewrite(si int, k routecache.Key) bool {
	e, ok := m.shards[si][k]
	if !ok || !e.updatedAt.Equal(m.clock.Now()) || m.closed {
		return false
	}
	m.writes++
	e.write = m.writes
	m.stats.Sets++
	return true
}

// victim picks the entry capacity eviction takes from shard si.
func (m *refModel) victim(si int) routecache.Key {
	if m.exactOrder {
		return m.oldestWrite(si)
	}
	return m.observedVictim(si)
}

// oldestWrite is the least recently written key of shard si.
func (m *refModel) oldestWrite(si int) routecache.Key {
	var best routecache.Key
	bestWrite := uint64(math.MaxUint64)
	for k, e := range m.shards[si] {
		if e.write < bestWrite {
			best, bestWrite = k, e.write
		}
	}
	return best
}

// observedVictim is the loose eviction order: with mixed TTLs or a clock
// set back, the SPEC fixes only that the victim expires in the soonest
// segment, so the model takes the cache's choice from its OnEvict calls and
// checks that the choice was allowed. When the cache reported no victim in
// this shard, the model takes the soonest-expiring oldest write, so the
// comparison of OnEvict calls reports the missing eviction.
func (m *refModel) observedVictim(si int) routecache.Key {
	shard := m.shards[si]
	for _, call := range m.unexplainedCalls() {
		e, held := shard[call.key]
		if !held || e.route != call.route {
			continue
		}
		if why := m.unacceptableVictim(si, e); why != "" && m.violation == "" {
			m.violation = fmt.Sprintf("evicted %s from shard %d: %s", call, si, why)
		}
		return call.key
	}
	var best routecache.Key
	var bestEntry *refEntry
	for k, e := range shard {
		if bestEntry == nil || m.segment(e) < m.segment(bestEntry) ||
			(m.segment(e) == m.segment(bestEntry) && e.write < bestEntry.write) {
			best, bestEntry = k, e
		}
	}
	return best
}

// unexplainedCalls is observed less the calls the model already expects.
func (m *refModel) unexplainedCalls() []evictCall[string] {
	left := append([]evictCall[string](nil), m.observed...)
	for _, want := range m.expected {
		for i, got := range left {
			if got == want {
				left = append(left[:i], left[i+1:]...)
				break
			}
		}
	}
	return left
}

// segment is e's expiry segment at the model's coarse width. A clamped
// expiry is the far future the cache clamps to, epoch+MaxInt64: the same
// instant as an expiry that lands there exactly (a TTL of MaxInt64 written
// at the epoch), so the two share a segment and write order decides.
func (m *refModel) segment(e *refEntry) int64 {
	if e.clamped {
		return math.MaxInt64 >> m.segmentShift
	}
	return int64(e.expiresAt.Sub(m.epoch)) >> m.segmentShift
}

// unacceptableVictim says why evicting e from shard si breaks "soonest
// segment first", or "" when it does not. An entry whose expiry segment the
// sweep position has already reached counts as due: the wheel files such
// writes with its oldest segment, in write order.
func (m *refModel) unacceptableVictim(si int, e *refEntry) string {
	soonest := int64(math.MaxInt64)
	for _, other := range m.shards[si] {
		soonest = min(soonest, m.segment(other))
	}
	due := int64(m.latest.Sub(m.epoch)) >> m.segmentShift
	if seg := m.segment(e); seg > max(soonest, due) {
		return fmt.Sprintf("its expiry segment %d is after the soonest %d (due up to %d)", seg, soonest, due)
	}
	return ""
}

// Set models Set and SetWithTTL (ttl 0 is the default TTL). It returns the
// errors the cache may answer with; when there are none it stored the route.
func (m *refModel) Set(k routecache.Key, route string, ttl time.Duration) []error {
	if !m.validKey(k) {
		return []error{routecache.ErrInvalidKey}
	}
	// The SPEC does not order the checks of a closed cache, a negative TTL
	// and a rejected route: any of the errors that apply is right.
	var errs []error
	if m.closed {
		errs = append(errs, routecache.ErrClosed)
	}
	if ttl < 0 {
		errs = append(errs, routecache.ErrInvalidTTL)
	}
	if !routeValid(route) {
		errs = append(errs, routecache.ErrInvalidRoute)
	}
	if len(errs) > 0 {
		return errs
	}
	if ttl == 0 {
		ttl = m.ttl
	}
	m.store(k, route, ttl)
	m.stats.Sets++
	return nil
}

// Get models Get: the live entry, or the error.
func (m *refModel) Get(k routecache.Key) (*refEntry, error) {
	if !m.validKey(k) {
		return nil, routecache.ErrInvalidKey
	}
	if m.closed {
		return nil, routecache.ErrClosed
	}
	e, stale := m.lookup(k)
	switch {
	case stale:
		m.stats.Misses++
		return nil, routecache.ErrExpired
	case e == nil:
		m.stats.Misses++
		return nil, routecache.ErrNotFound
	}
	m.stats.Hits++
	return e, nil
}

// Resolve models Resolve step by step as the SPEC lists it.
func (m *refModel) Resolve(k routecache.Key, fallbacks []string) (routecache.Resolution[string], error) {
	return m.resolve(k, nil, fallbacks)
}

// ResolveWith models ResolveWith: Resolve with the load between the room
// and the fallbacks.
func (m *refModel) ResolveWith(k routecache.Key, load loadBehaviour, fallbacks []string) (routecache.Resolution[string], error) {
	return m.resolve(k, &load, fallbacks)
}

// loadFailure is the error a load ends with, or nil when it gives a route
// to store: the loader's error, its panic or a negative TTL (ErrLoad), or a
// route Validate rejects (ErrInvalidRoute).
func loadFailure(load *loadBehaviour) error {
	switch {
	case load.panics, load.err != nil, load.ttl < 0:
		return routecache.ErrLoad
	case !routeValid(load.route):
		return routecache.ErrInvalidRoute
	}
	return nil
}

// resolve is Resolve (load nil) and ResolveWith.
func (m *refModel) resolve(k routecache.Key, load *loadBehaviour, fallbacks []string) (routecache.Resolution[string], error) {
	if !m.validKey(k) {
		return routecache.Resolution[string]{}, routecache.ErrInvalidKey
	}
	res := routecache.Resolution[string]{Key: k, Shard: m.shardOf(k)}
	if m.closed {
		// FallbackHits counts every answer from a fallback, a closed
		// cache's included.
		for _, fb := range fallbacks {
			if routeValid(fb) {
				res.Route, res.Source, res.Reason = fb, routecache.SourceFallback, routecache.ReasonUnavailable
				m.stats.FallbackHits++
				return res, nil
			}
		}
		return routecache.Resolution[string]{}, routecache.ErrClosed
	}
	exact, stale := m.lookup(k)
	if exact != nil {
		res.Route, res.Source, res.Reason = exact.route, routecache.SourceExact, routecache.ReasonNone
		m.stats.Hits++
		return res, nil
	}
	reason := func(otherwise routecache.Reason) routecache.Reason {
		if stale {
			return routecache.ReasonStale
		}
		return otherwise
	}
	if k.Thread != "" {
		room, roomStale := m.lookup(k.RoomScope())
		if room != nil {
			res.Route, res.Source, res.Stale, res.Reason = room.route, routecache.SourceRoom, stale, reason(routecache.ReasonThreadMiss)
			m.store(k, room.route, m.ttl)
			m.stats.RoomHits++
			return res, nil
		}
		stale = stale || roomStale
	}
	// A fallback after a failed load answers for that reason, stale or not.
	fallbackReason, failure := reason(routecache.ReasonMiss), routecache.ErrNoRoute
	if load != nil {
		m.stats.Loads++
		failure = loadFailure(load)
		if failure == nil {
			ttl := load.ttl
			if ttl == 0 {
				ttl = m.ttl
			}
			res.Route, res.Source, res.Stale, res.Reason = load.route, routecache.SourceLoaded, stale, reason(routecache.ReasonMiss)
			m.store(k, load.route, ttl)
			return res, nil
		}
		m.stats.LoadErrors++
		fallbackReason = routecache.ReasonLoadFailed
	}
	for _, fb := range fallbacks {
		if routeValid(fb) {
			res.Route, res.Source, res.Stale, res.Reason = fb, routecache.SourceFallback, stale, fallbackReason
			m.store(k, fb, m.ttl)
			m.stats.FallbackHits++
			return res, nil
		}
	}
	m.stats.Misses++
	return routecache.Resolution[string]{}, failure
}

// Delete models Delete.
func (m *refModel) Delete(k routecache.Key) bool {
	if !m.validKey(k) || m.closed {
		return false
	}
	if _, held := m.shards[m.shardOf(k)][k]; !held {
		return false
	}
	m.remove(k, routecache.EvictDeleted)
	return true
}

// Prune models Prune: every entry expired now leaves.
func (m *refModel) Prune() int {
	if m.closed {
		return 0
	}
	now := m.clock.Now()
	n := 0
	for _, shard := range m.shards {
		for k, e := range shard {
			if !e.aliveAt(now) {
				m.remove(k, routecache.EvictExpired)
				n++
			}
		}
	}
	return n
}

// live is what All must yield.
func (m *refModel) live() map[routecache.Key]*refEntry {
	out := make(map[routecache.Key]*refEntry)
	if m.closed {
		return out
	}
	now := m.clock.Now()
	for _, shard := range m.shards {
		for k, e := range shard {
			if e.aliveAt(now) {
				out[k] = e
			}
		}
	}
	return out
}

// Stats is what the cache's Stats must equal.
func (m *refModel) Stats() routecache.Stats {
	s := m.stats
	s.Entries = m.len()
	return s
}

// errIn reports whether err is one of allowed (nil allowed only when allowed
// is empty).
func errIn(err error, allowed []error) bool {
	if len(allowed) == 0 {
		return err == nil
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			return true
		}
	}
	return false
}
