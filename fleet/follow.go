package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Retry pacing of the follower when resuming fails (JetStream still
// electing a leader, server still recovering its store).
const (
	firstRetry = 50 * time.Millisecond
	lastRetry  = 2 * time.Second
	// requestTimeout bounds each JetStream request the follower makes.
	requestTimeout = 5 * time.Second
	// forgetEvery paces the revision table's cleanup.
	forgetEvery = 30 * time.Second
	// pendingEvery paces retries of writes the bucket did not take, and
	// re-reads of keys such writes left unconfirmed, while the connection
	// stays up (a leader election, a recovering server).
	pendingEvery = 250 * time.Millisecond
)

// watcher is a watch of the bucket and the cancel of the context its
// subscription lives in.
type watcher struct {
	jetstream.KeyWatcher
	cancel context.CancelFunc
}

// stop ends the watch.
func (w *watcher) stop() {
	_ = w.Stop()
	w.cancel()
}

// watch starts watching the bucket. Creating the watch is a JetStream
// request; it is bounded by ctx and requestTimeout, since a request lost
// with a server that goes away is never answered. The watch itself lives
// until stop or Close.
func (m *Member[V]) watch(ctx context.Context, opts ...jetstream.WatchOpt) (*watcher, error) {
	limit, cancelLimit := context.WithTimeout(ctx, requestTimeout)
	defer cancelLimit()
	wctx, cancel := context.WithCancel(m.ctx)
	// The subscription ends with its context: when the limit passes
	// first, the watch being created is abandoned.
	abandon := context.AfterFunc(limit, cancel)
	w, err := m.kv.WatchAll(wctx, opts...)
	if !abandon() {
		if err == nil {
			_ = w.Stop()
		}
		cancel()
		return nil, fmt.Errorf("creating the watch: %w", limit.Err())
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return &watcher{KeyWatcher: w, cancel: cancel}, nil
}

// warmStart applies the watcher's initial values (the bucket's live keys)
// until its end-of-initial-values marker, or until ctx ends.
func (m *Member[V]) warmStart(ctx context.Context, w *watcher) error {
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: warm start: %w", ErrUnavailable, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("%w: warm start: watcher closed", ErrUnavailable)
			}
			if e == nil {
				return nil
			}
			m.applyEntry(e)
		}
	}
}

// follow applies the bucket's updates until Close. After a reconnect it
// replaces the watcher by one that resumes after the last processed
// revision, or reloads the bucket when that history is gone, and then
// shares the writes that were kept pending.
func (m *Member[V]) follow(w *watcher, status chan nats.Status) {
	defer m.wg.Done()
	defer m.conn.RemoveStatusListener(status)
	defer func() {
		if w != nil {
			w.stop()
		}
	}()
	forget := time.NewTicker(forgetEvery)
	defer forget.Stop()
	pending := time.NewTicker(pendingEvery)
	defer pending.Stop()
	var retry <-chan time.Time
	backoff := firstRetry
	catchingUp := false
	for {
		var updates <-chan jetstream.KeyValueEntry
		if w != nil {
			updates = w.Updates()
		}
		select {
		case <-m.ctx.Done():
			return
		case e, ok := <-updates:
			switch {
			case !ok: // the subscription ended under us (connection closed)
				w.stop()
				w = nil
				retry = time.After(backoff)
			case e == nil: // caught up with the bucket as it was when watching began
				if catchingUp {
					catchingUp = false
					m.finishReload()
					m.startReconciling()
				}
			default:
				m.applyEntry(e)
			}
		case _, ok := <-status:
			if !ok {
				status = nil
				continue
			}
			m.stats.reconnects.Add(1)
			if w != nil {
				w.stop()
				w = nil
			}
			backoff = firstRetry
			retry = time.After(0)
		case <-retry:
			retry = nil
			next, err := m.resume()
			if err != nil {
				m.log.Warn("fleet: resuming the bucket failed; retrying", "err", err, "in", backoff)
				retry = time.After(backoff)
				backoff = min(2*backoff, lastRetry)
				continue
			}
			w, catchingUp = next, true
			backoff = firstRetry
		case <-forget.C:
			m.revs.forget(time.Now())
		case <-pending.C:
			if w != nil && m.revs.unsettled() && m.conn.IsConnected() {
				m.startReconciling()
			}
		}
	}
}

// resume returns a watcher that continues after the last processed
// revision. If the stream no longer holds the revision after it (purged,
// or the bucket was recreated) the member reloads: it watches the whole
// bucket again and, once caught up, drops the keys the bucket no longer has.
// A reload that a disconnect interrupted starts over: resuming after the
// last revision it delivered would skip the keys it had not delivered yet.
func (m *Member[V]) resume() (*watcher, error) {
	ctx, cancel := context.WithTimeout(m.ctx, requestTimeout)
	defer cancel()
	stream, err := m.js.Stream(ctx, "KV_"+m.bucket)
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	last := m.lastRevision.Load()
	recreated := !info.Created.IsZero() && !m.streamCreated.IsZero() && !info.Created.Equal(m.streamCreated)
	if recreated || info.State.LastSeq < last {
		// A new stream under the same name: our revisions mean nothing
		// there, and a pending write is shared only if the new bucket has
		// no revision of its key.
		m.revs.each(func(_ string, ks *keyState[V]) {
			ks.revision = 0
			if ks.pending != nil && ks.pending.expect != 0 {
				w := *ks.pending // reconcile may be reading the old one
				w.expect = 0
				m.revs.setPending(ks, &w)
			}
		})
		m.lastRevision.Store(0)
		m.streamCreated = info.Created
		return m.reload(ctx)
	}
	if m.seen != nil || info.State.FirstSeq > last+1 {
		return m.reload(ctx)
	}
	return m.watch(ctx, jetstream.ResumeFromRevision(last+1))
}

// reload starts watching the whole bucket and records the keys seen until
// the watcher catches up (see finishReload). Until then the member owes a
// reload: if watching fails, or the watch ends before it caught up, the
// next resume reloads again.
func (m *Member[V]) reload(ctx context.Context) (*watcher, error) {
	m.seen = make(map[string]struct{})
	w, err := m.watch(ctx)
	if err != nil {
		return nil, err
	}
	m.stats.reloads.Add(1)
	return w, nil
}

// finishReload removes, after a reload caught up, every key the member
// knew that the bucket no longer holds: its deletion was in the history
// that is gone. Keys with a pending local write stay; that write is
// shared next.
func (m *Member[V]) finishReload() {
	if m.seen == nil {
		return
	}
	seen := m.seen
	m.seen = nil
	m.revs.each(func(bk string, ks *keyState[V]) {
		if _, ok := seen[bk]; ok || ks.pending != nil {
			return
		}
		if k, err := parseBucketKey(bk); err == nil {
			m.cache.Delete(k)
		}
		ks.until = forgetTime(time.Now())
	})
}

// applyEntry applies one bucket update. Bad data is counted and skipped;
// nothing stops the follower.
func (m *Member[V]) applyEntry(e jetstream.KeyValueEntry) {
	rev := e.Revision()
	if rev > m.lastRevision.Load() {
		m.lastRevision.Store(rev) // only the follower writes it
	}
	bk := e.Key()
	if m.seen != nil {
		m.seen[bk] = struct{}{}
	}
	k, err := parseBucketKey(bk)
	if err != nil {
		m.stats.foreign.Add(1)
		if m.loggedForeign.CompareAndSwap(false, true) {
			m.log.Warn("fleet: skipping bucket keys not written by a member (logged once)", "key", bk)
		}
		return
	}
	w := &pendingWrite[V]{key: k}
	if e.Operation() == jetstream.KeyValuePut {
		expiresAt, payload, err := openEnvelope(e.Value())
		if err == nil {
			w.route, err = m.codec.Unmarshal(payload)
		}
		if err != nil {
			m.stats.undecodable.Add(1)
			if m.loggedUndecodable.CompareAndSwap(false, true) {
				m.log.Warn("fleet: skipping values that do not decode (logged once)", "key", k.String(), "revision", rev, "err", err)
			}
			return
		}
		w.value, w.expiresAt = e.Value(), expiresAt
	} else {
		w.expiresAt = time.Now() // a delete, a purge or a TTL marker
	}
	m.applyRevision(bk, w, rev)
}

// applyRevision applies w, the content of revision rev of bk, unless a
// newer revision was applied. A newer revision from the bucket also
// cancels a pending local write of the key: the bucket's write came later.
// The revision already recorded is applied again only when the key is
// unconfirmed: the cache may hold a local write over it that the bucket
// never took, and the bucket's content must replace it.
func (m *Member[V]) applyRevision(bk string, w *pendingWrite[V], rev uint64) {
	s, ks := m.revs.lock(bk)
	defer s.mu.Unlock()
	if ks != nil && (rev < ks.revision || rev == ks.revision && (ks.pending != nil || !ks.unconfirmed)) {
		m.stats.superseded.Add(1)
		return
	}
	ks = s.stateOf(bk, ks)
	ks.revision = rev
	m.revs.setPending(ks, nil)
	m.revs.setUnconfirmed(ks, false)
	ks.until = forgetTime(w.expiresAt)
	stored, err := m.applyLocked(w.key, w.route, w.deletion(), w.expiresAt)
	switch {
	case err != nil:
		m.stats.rejected.Add(1)
	case !stored && !w.deletion():
		m.stats.expired.Add(1)
	default:
		m.stats.applied.Add(1)
	}
}
