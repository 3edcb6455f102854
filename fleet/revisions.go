package fleet

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c41db742/routecache"
)

// revisionStripes is the number of independently locked parts of the
// revision table; enough that the follower and a few hundred concurrent
// writers rarely meet on one lock.
const revisionStripes = 64

// forgetAfter is how long the table remembers a key after its route expired
// or was deleted. Out-of-order information about a key can only come from
// an acknowledgement still in flight (the bucket's own stream is delivered
// in order), and no publish waits this long.
const forgetAfter = 2 * time.Minute

// keyState is what a member knows about one bucket key.
type keyState[V any] struct {
	// revision is the newest bucket revision of the key whose effect is in
	// the local cache (or that was ignored because it had expired).
	revision uint64
	// until is when the entry may be forgotten: the route's expiry, or the
	// deletion time, plus forgetAfter. Unix nanoseconds.
	until int64
	// pending is a local write the bucket never acknowledged; nil when none.
	pending *pendingWrite[V]
	// unconfirmed is set when a publish of the key failed or timed out:
	// the cache may hold a local write the bucket does not have (an
	// ambiguous publish, a compare-and-set the bucket refused). It is
	// cleared once the cache holds a revision read from the bucket: the
	// follower's, or a re-read after the pending write was settled.
	unconfirmed bool
}

// pendingWrite is a write applied locally while the bucket was unreachable.
// After reconnecting it is published on the condition that the key is
// still at revision expect, so it never overwrites a newer write.
type pendingWrite[V any] struct {
	key       routecache.Key
	route     V
	value     []byte // the envelope; nil for a deletion
	expiresAt time.Time
	expect    uint64
}

func (p *pendingWrite[V]) deletion() bool { return p.value == nil }

// revisionStripe is one lock and the keys it guards.
type revisionStripe[V any] struct {
	mu   sync.Mutex
	keys map[string]*keyState[V] // guarded by mu
}

// revisions is the per-key revision table that makes applies monotonic: a
// revision is applied to the cache only under its key's stripe lock and
// only if it is newer than the one recorded. Memory: one small entry per
// live key, plus keys deleted or expired within forgetAfter.
type revisions[V any] struct {
	seed    maphash.Seed
	stripes [revisionStripes]revisionStripe[V]
	// pendingWrites counts keys with a pending write, unconfirmedKeys
	// those marked unconfirmed; changed only by setPending and
	// setUnconfirmed, under the key's stripe lock.
	pendingWrites, unconfirmedKeys atomic.Int64
}

func newRevisions[V any]() *revisions[V] {
	r := &revisions[V]{seed: maphash.MakeSeed()}
	for i := range r.stripes {
		r.stripes[i].keys = make(map[string]*keyState[V])
	}
	return r
}

// lock locks the stripe of bucketKey and returns its state (nil when the
// key is unknown) and the stripe, which the caller unlocks.
func (r *revisions[V]) lock(bucketKey string) (*revisionStripe[V], *keyState[V]) {
	s := &r.stripes[maphash.String(r.seed, bucketKey)%revisionStripes]
	s.mu.Lock()
	return s, s.keys[bucketKey]
}

// stateOf returns the state of bucketKey, creating it; the stripe is locked.
func (s *revisionStripe[V]) stateOf(bucketKey string, known *keyState[V]) *keyState[V] {
	if known != nil {
		return known
	}
	ks := &keyState[V]{}
	s.keys[bucketKey] = ks
	return ks
}

// forget drops the keys whose time has passed and that have no pending
// write. Cost: one pass over the table, one stripe locked at a time.
func (r *revisions[V]) forget(now time.Time) {
	cutoff := now.UnixNano()
	for i := range r.stripes {
		s := &r.stripes[i]
		s.mu.Lock()
		for k, ks := range s.keys {
			if ks.pending == nil && !ks.unconfirmed && ks.until < cutoff {
				delete(s.keys, k)
			}
		}
		s.mu.Unlock()
	}
}

// each calls visit for every key with the stripe locked.
func (r *revisions[V]) each(visit func(bucketKey string, ks *keyState[V])) {
	for i := range r.stripes {
		s := &r.stripes[i]
		s.mu.Lock()
		for k, ks := range s.keys {
			visit(k, ks)
		}
		s.mu.Unlock()
	}
}

// setPending replaces the key's pending write, keeping pendingWrites (the
// number of keys with one) in step. The key's stripe is locked.
func (r *revisions[V]) setPending(ks *keyState[V], w *pendingWrite[V]) {
	switch {
	case ks.pending == nil && w != nil:
		r.pendingWrites.Add(1)
	case ks.pending != nil && w == nil:
		r.pendingWrites.Add(-1)
	}
	ks.pending = w
}

// setUnconfirmed marks or clears the key as unconfirmed, keeping
// unconfirmedKeys in step. The key's stripe is locked.
func (r *revisions[V]) setUnconfirmed(ks *keyState[V], unconfirmed bool) {
	switch {
	case !ks.unconfirmed && unconfirmed:
		r.unconfirmedKeys.Add(1)
	case ks.unconfirmed && !unconfirmed:
		r.unconfirmedKeys.Add(-1)
	}
	ks.unconfirmed = unconfirmed
}

// unsettled reports whether a pending write or an unconfirmed key waits
// for the bucket. Cost: two atomic loads.
func (r *revisions[V]) unsettled() bool {
	return r.pendingWrites.Load() > 0 || r.unconfirmedKeys.Load() > 0
}

// forgetTime is the until value of a key whose route ends at end.
func forgetTime(end time.Time) int64 { return end.Add(forgetAfter).UnixNano() }
