package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c41db742/routecache"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// markerTTL is how long a bucket Join creates keeps the marker the server
// writes when a key's TTL ends. Members expire routes by the moment carried
// in the value, so the marker only has to outlive a short disconnect.
const markerTTL = time.Minute

// maxLifetime caps the lifetime a route carries in the bucket, so that the
// absolute expiry never overflows.
const maxLifetime = 100 * 365 * 24 * time.Hour

// shareQueue bounds the resolved routes waiting to be published
// (ShareResolved); beyond it Resolve drops them rather than wait.
const shareQueue = 1024

// Member is one process's membership in a fleet: it publishes its writes to
// the bucket and applies everyone's into its cache. Every method is safe
// for concurrent use. Create it with Join.
type Member[V any] struct {
	cache  *routecache.Cache[V]
	js     jetstream.JetStream
	conn   *nats.Conn
	kv     jetstream.KeyValue
	bucket string
	// subject is the bucket's subject prefix, "$KV.<bucket>."; writes go
	// straight to it so that each one carries its TTL and returns its
	// revision.
	subject       string
	codec         Codec[V]
	shareResolved bool
	log           *slog.Logger

	revs  *revisions[V]
	stats counters
	// lastRevision is the last bucket revision processed; written by the
	// follower (and by Join before the follower starts), read by Stats.
	lastRevision atomic.Uint64
	// follower-owned state: reload tracking (see follow.go), and when the
	// bucket's stream was created, to tell a recreated bucket on resuming.
	seen          map[string]struct{}
	streamCreated time.Time
	// reconciling is set while reconcile runs (at most one).
	reconciling atomic.Bool

	resolved chan resolvedRoute[V] // ShareResolved queue; nil without it
	// loggedBadData is set once the first undecodable value or foreign
	// key was logged; later ones are only counted.
	loggedUndecodable, loggedForeign atomic.Bool

	closed    atomic.Bool
	ctx       context.Context // cancelled by Close; ends every goroutine
	cancel    context.CancelFunc
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// resolvedRoute is a route Resolve stored, waiting to be shared.
type resolvedRoute[V any] struct {
	key       routecache.Key
	route     V
	expiresAt time.Time
}

// Join makes c a member of the fleet sharing the bucket cfg.Bucket over js:
// it creates the bucket if it does not exist (history 1, cfg.Replicas,
// per-key TTL) or binds it, loads its live routes into c (ctx bounds this
// warm start), then follows every update in revision order until Close.
// A bound bucket without per-key TTL (LimitMarkerTTL) is ErrInvalidBucket.
// Cost: one pass over the bucket's live keys at Join; afterwards one
// goroutine, one decode and one cache write per update.
func Join[V any](ctx context.Context, js jetstream.JetStream, c *routecache.Cache[V], cfg Config[V]) (*Member[V], error) {
	if js == nil || c == nil {
		return nil, errors.New("fleet: Join needs a JetStream and a cache")
	}
	if cfg.Replicas < 0 {
		return nil, fmt.Errorf("%w: negative replicas %d", ErrInvalidBucket, cfg.Replicas)
	}
	cfg = cfg.withDefaults()
	kv, created, err := bindBucket(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	m := &Member[V]{
		cache:         c,
		js:            js,
		conn:          js.Conn(),
		kv:            kv,
		bucket:        cfg.Bucket,
		subject:       "$KV." + cfg.Bucket + ".",
		codec:         cfg.Codec,
		shareResolved: cfg.ShareResolved,
		log:           cfg.Logger.With("bucket", cfg.Bucket),
		revs:          newRevisions[V](),
		streamCreated: created,
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	// Listen before the warm start so that a reconnect during it is seen.
	status := m.conn.StatusChanged(nats.CONNECTED)
	w, err := m.watch(ctx)
	if err != nil {
		m.conn.RemoveStatusListener(status)
		m.cancel()
		return nil, fmt.Errorf("%w: watch %s: %w", ErrUnavailable, cfg.Bucket, err)
	}
	if err := m.warmStart(ctx, w); err != nil {
		w.stop()
		m.conn.RemoveStatusListener(status)
		m.cancel()
		return nil, err
	}
	m.wg.Add(1)
	go m.follow(w, status)
	if m.shareResolved {
		m.resolved = make(chan resolvedRoute[V], shareQueue)
		m.wg.Add(1)
		go m.shareResolvedRoutes()
	}
	return m, nil
}

// bindBucket binds the bucket, creating it when it does not exist, and
// returns when its stream was created (what tells a recreated bucket from
// the same one).
func bindBucket[V any](ctx context.Context, js jetstream.JetStream, cfg Config[V]) (jetstream.KeyValue, time.Time, error) {
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:         cfg.Bucket,
			Description:    "routecache fleet routes",
			History:        1,
			Replicas:       cfg.Replicas,
			Storage:        jetstream.FileStorage,
			LimitMarkerTTL: markerTTL,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, cfg.Bucket) // another member created it first
		}
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %s: %w", ErrInvalidBucket, cfg.Bucket, err)
	}
	status, err := kv.Status(ctx)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %s: %w", ErrInvalidBucket, cfg.Bucket, err)
	}
	var created time.Time
	if bs, ok := status.(*jetstream.KeyValueBucketStatus); ok {
		if bs.LimitMarkerTTL() == 0 {
			return nil, time.Time{}, fmt.Errorf("%w: %s has no per-key TTL (create it with LimitMarkerTTL)", ErrInvalidBucket, cfg.Bucket)
		}
		if info := bs.StreamInfo(); info != nil {
			created = info.Created
		}
	}
	return kv, created, nil
}

// Set stores route for k in the local cache with the cache's TTL, then in
// the bucket, from where every member applies it. The local write happens
// first and stays if the bucket is unreachable; the error then wraps
// ErrUnavailable. Errors of the cache (ErrInvalidKey, ErrInvalidRoute,
// ErrClosed) or of the Codec change nothing. Cost: one encode, two cache
// writes and one JetStream round trip.
func (m *Member[V]) Set(ctx context.Context, k routecache.Key, route V) error {
	return m.SetWithTTL(ctx, k, route, 0)
}

// SetWithTTL is Set with a route lifetime of ttl; 0 means the cache's TTL.
// The bucket keeps the key for ttl rounded up to whole seconds (JetStream's
// granularity, at least one second); every cache drops the route at the
// exact moment, which travels with the value.
func (m *Member[V]) SetWithTTL(ctx context.Context, k routecache.Key, route V, ttl time.Duration) error {
	payload, err := m.codec.Marshal(route)
	if err != nil {
		return fmt.Errorf("fleet: encode route for %v: %w", k, err)
	}
	if err := m.cache.SetWithTTL(k, route, ttl); err != nil {
		return err
	}
	if ttl == 0 {
		ttl = m.cache.TTL()
	}
	expiresAt := time.Now().Add(min(ttl, maxLifetime))
	w := &pendingWrite[V]{key: k, route: route, value: sealEnvelope(expiresAt, payload), expiresAt: expiresAt}
	return m.share(ctx, bucketKey(k), w, nil)
}

// Delete removes k's route from the local cache, then from the bucket
// (a delete marker every member applies). As with Set, an unreachable
// bucket leaves the local deletion in place and returns an error wrapping
// ErrUnavailable. An invalid key is routecache.ErrInvalidKey.
func (m *Member[V]) Delete(ctx context.Context, k routecache.Key) error {
	if k.Channel == "" || k.Bridge == "" || k.Room == "" {
		return fmt.Errorf("%w: empty channel, bridge or room", routecache.ErrInvalidKey)
	}
	m.cache.Delete(k)
	return m.share(ctx, bucketKey(k), &pendingWrite[V]{key: k, expiresAt: time.Now()}, nil)
}

// Resolve is the cache's Resolve: local only, it never waits for the
// network and costs what Cache().Resolve costs. With ShareResolved, a room
// or fallback route it stores is queued for publishing (a goroutine shares
// it unless another revision of the key reached the bucket first); when the
// queue is full the route stays local and Stats.Dropped counts it.
func (m *Member[V]) Resolve(k routecache.Key, fallbacks ...V) (routecache.Resolution[V], error) {
	res, err := m.cache.Resolve(k, fallbacks...)
	if err != nil || !m.shareResolved || res.Source == routecache.SourceExact || res.Reason == routecache.ReasonUnavailable || m.closed.Load() {
		return res, err
	}
	select {
	case m.resolved <- resolvedRoute[V]{key: k, route: res.Route, expiresAt: time.Now()}:
	default:
		m.stats.dropped.Add(1)
	}
	return res, err
}

// Cache returns the member's cache. Reads through it never touch the
// network; writes through it stay local to this process.
func (m *Member[V]) Cache() *routecache.Cache[V] { return m.cache }

// Stats returns the member's counters. Cost: a dozen atomic loads.
func (m *Member[V]) Stats() Stats { return m.stats.snapshot(m.lastRevision.Load()) }

// Close stops following the bucket and waits for the member's goroutines
// to end. The cache stays open and keeps its routes. Later writes through
// the member apply locally and return an error wrapping ErrUnavailable.
// Idempotent.
func (m *Member[V]) Close() error {
	m.closeOnce.Do(func() {
		m.closed.Store(true)
		m.cancel()
		m.wg.Wait()
	})
	return nil
}

// share publishes a write already applied locally, and on acknowledgement
// records its revision. expect, when set, makes the write conditional on
// the key's revision (compare-and-set). A write the bucket did not take
// is kept as pending, to be shared after reconnecting.
func (m *Member[V]) share(ctx context.Context, bk string, w *pendingWrite[V], expect *uint64) error {
	if m.closed.Load() {
		m.stats.unavailable.Add(1)
		return fmt.Errorf("%w: member closed", ErrUnavailable)
	}
	if !m.conn.IsConnected() {
		m.keepPending(bk, w)
		return fmt.Errorf("%w: not connected", ErrUnavailable)
	}
	rev, err := m.publish(ctx, bk, w, expect)
	if err != nil {
		m.keepPending(bk, w)
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	m.stats.published.Add(1)
	m.acknowledged(bk, w, rev)
	return nil
}

// publish writes w to the bucket and returns its revision.
func (m *Member[V]) publish(ctx context.Context, bk string, w *pendingWrite[V], expect *uint64) (uint64, error) {
	msg := &nats.Msg{Subject: m.subject + bk, Data: w.value, Header: nats.Header{}}
	var opts []jetstream.PublishOpt
	if w.deletion() {
		msg.Header.Set(kvOperationHeader, kvOperationDelete)
	} else {
		opts = append(opts, jetstream.WithMsgTTL(bucketTTL(time.Until(w.expiresAt))))
	}
	if expect != nil {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(*expect))
	}
	ack, err := m.js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// The KV operation header of a delete marker, as JetStream KV defines it.
const (
	kvOperationHeader = "KV-Operation"
	kvOperationDelete = "DEL"
)

// bucketTTL is the per-key TTL for a route with the given remaining
// lifetime: whole seconds, rounded up, at least one (the server's limit).
func bucketTTL(remaining time.Duration) time.Duration {
	secs := math.Ceil(remaining.Seconds())
	return time.Duration(max(secs, 1)) * time.Second
}

// acknowledged records that the bucket stored w at revision rev. If no
// newer revision of the key has been applied, w is (re)applied to the
// cache: between the local write and now, the follower may have applied an
// older revision over it.
func (m *Member[V]) acknowledged(bk string, w *pendingWrite[V], rev uint64) {
	s, ks := m.revs.lock(bk)
	defer s.mu.Unlock()
	if ks != nil && rev <= ks.revision {
		m.stats.superseded.Add(1)
		return
	}
	ks = s.stateOf(bk, ks)
	ks.revision = rev
	m.revs.setPending(ks, nil)
	ks.until = forgetTime(w.expiresAt)
	m.applyLocked(w.key, w.route, w.deletion(), w.expiresAt)
}

// keepPending remembers a write the bucket did not take, conditional on
// the revision the key had when it was written locally.
func (m *Member[V]) keepPending(bk string, w *pendingWrite[V]) {
	m.stats.unavailable.Add(1)
	s, ks := m.revs.lock(bk)
	defer s.mu.Unlock()
	ks = s.stateOf(bk, ks)
	w.expect = ks.revision
	m.revs.setPending(ks, w)
	m.revs.setUnconfirmed(ks, true)
}

// applyLocked makes the cache hold what a revision says: the route with
// its remaining lifetime, or nothing. The key's stripe is locked.
func (m *Member[V]) applyLocked(k routecache.Key, route V, deleted bool, expiresAt time.Time) (stored bool, err error) {
	remaining := time.Until(expiresAt)
	if deleted || remaining <= 0 {
		m.cache.Delete(k)
		return false, nil
	}
	return true, m.cache.SetWithTTL(k, route, remaining)
}

// shareResolvedRoutes publishes the routes Resolve stored, one at a time,
// each on the condition that the bucket has no newer revision of the key
// than this member had applied: a fallback never overwrites a route an
// operator set elsewhere that has not arrived here yet.
func (m *Member[V]) shareResolvedRoutes() {
	defer m.wg.Done()
	for {
		select {
		case <-m.ctx.Done():
			return
		case r := <-m.resolved:
			m.shareResolved1(r)
		}
	}
}

func (m *Member[V]) shareResolved1(r resolvedRoute[V]) {
	payload, err := m.codec.Marshal(r.route)
	if err != nil {
		return
	}
	expiresAt := r.expiresAt.Add(m.cache.TTL()) // Resolve stores with the cache's TTL
	bk := bucketKey(r.key)
	s, ks := m.revs.lock(bk)
	var expect uint64
	if ks != nil {
		expect = ks.revision
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
	defer cancel()
	w := &pendingWrite[V]{key: r.key, route: r.route, value: sealEnvelope(expiresAt, payload), expiresAt: expiresAt}
	rev, err := m.publish(ctx, bk, w, &expect)
	if err != nil {
		return // someone wrote the key first, or the bucket is away: the route stays local
	}
	m.stats.published.Add(1)
	m.acknowledged(bk, w, rev)
}
