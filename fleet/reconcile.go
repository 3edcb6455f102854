package fleet

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startReconciling runs reconcile unless it is running.
func (m *Member[V]) startReconciling() {
	if !m.reconciling.CompareAndSwap(false, true) {
		return
	}
	m.wg.Add(1)
	go m.reconcile()
}

// reconcile settles what a fault left behind, so that the bucket stays
// the single truth. First it shares the writes kept while the bucket was
// away, each on the condition that the key is still at the revision the
// write saw; when the condition fails, another revision reached the bucket
// meanwhile and wins. Then it re-reads every unconfirmed key (a publish of
// it failed, timed out or was refused) and makes the cache hold the
// bucket's value: a local write the bucket never took must not outlive
// the fault in this member's cache.
func (m *Member[V]) reconcile() {
	defer m.wg.Done()
	defer m.reconciling.Store(false)
	m.republishPending()
	m.confirmUnconfirmed()
}

// republishPending publishes each pending write once; a write whose
// publish fails for another reason than the condition stays pending for
// the next round.
func (m *Member[V]) republishPending() {
	type item struct {
		bk string
		w  *pendingWrite[V]
	}
	var pending []item
	m.revs.each(func(bk string, ks *keyState[V]) {
		if ks.pending != nil {
			pending = append(pending, item{bk, ks.pending})
		}
	})
	for _, p := range pending {
		if m.ctx.Err() != nil || !m.conn.IsConnected() {
			return // the next reconnect tries again
		}
		if !p.w.deletion() && time.Until(p.w.expiresAt) <= 0 {
			m.dropPending(p.bk, p.w)
			continue
		}
		ctx, cancel := context.WithTimeout(m.ctx, requestTimeout)
		expect := p.w.expect
		rev, err := m.publish(ctx, p.bk, p.w, &expect)
		cancel()
		var apiErr *jetstream.APIError
		switch {
		case err == nil:
			m.stats.republished.Add(1)
			m.acknowledged(p.bk, p.w, rev)
		case errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant):
			// The key stays unconfirmed: confirmUnconfirmed replaces the
			// local write by the bucket's value.
			m.dropPending(p.bk, p.w)
		default:
			m.log.Warn("fleet: sharing a write kept during the outage failed; retrying", "key", p.w.key.String(), "err", err)
		}
	}
}

// dropPending forgets a pending write if it is still the key's.
func (m *Member[V]) dropPending(bk string, w *pendingWrite[V]) {
	s, ks := m.revs.lock(bk)
	defer s.mu.Unlock()
	if ks != nil && ks.pending == w {
		m.revs.setPending(ks, nil)
	}
}

// confirmUnconfirmed re-reads each unconfirmed key without a pending
// write and applies the bucket's value over whatever the cache holds. A
// key whose read fails stays unconfirmed for the next round.
func (m *Member[V]) confirmUnconfirmed() {
	var keys []string
	m.revs.each(func(bk string, ks *keyState[V]) {
		if ks.unconfirmed && ks.pending == nil {
			keys = append(keys, bk)
		}
	})
	for _, bk := range keys {
		if m.ctx.Err() != nil || !m.conn.IsConnected() {
			return
		}
		m.confirm(bk)
	}
}

// confirm reads bk's latest revision from the bucket and applies it. The
// read may come from a replica a little behind the stream leader
// (JetStream direct get), so it never takes the key back to an older
// revision than the one recorded: a newer revision reaches the follower
// anyway, and applying it then replaces the local write.
func (m *Member[V]) confirm(bk string) {
	ctx, cancel := context.WithTimeout(m.ctx, requestTimeout)
	defer cancel()
	stream, err := m.js.Stream(ctx, "KV_"+m.bucket)
	if err != nil {
		return
	}
	msg, err := stream.GetLastMsgForSubject(ctx, m.subject+bk)
	k, perr := parseBucketKey(bk)
	switch {
	case perr != nil:
		return
	case errors.Is(err, jetstream.ErrMsgNotFound):
		// Nothing left of the key in the bucket, not even a delete marker.
		s, ks := m.revs.lock(bk)
		if ks != nil && ks.pending == nil && ks.unconfirmed {
			m.cache.Delete(k)
			m.revs.setUnconfirmed(ks, false)
		}
		s.mu.Unlock()
	case err == nil:
		// A removal, or a value the follower skips as undecodable, leaves
		// no route of ours for the key: both apply as a deletion.
		w := &pendingWrite[V]{key: k, expiresAt: time.Now()}
		if !isRemoval(msg.Header) {
			if expiresAt, payload, err := openEnvelope(msg.Data); err == nil {
				if route, err := m.codec.Unmarshal(payload); err == nil {
					w.route, w.value, w.expiresAt = route, msg.Data, expiresAt
				}
			}
		}
		m.applyRevision(bk, w, msg.Sequence)
		// An older revision than the recorded one was a lagging replica's
		// answer; the recorded revision came from the bucket itself.
		s, ks := m.revs.lock(bk)
		if ks != nil && ks.pending == nil && ks.revision > msg.Sequence {
			m.revs.setUnconfirmed(ks, false)
		}
		s.mu.Unlock()
	}
}

// isRemoval reports whether a bucket message's headers make it a delete,
// a purge or a TTL marker rather than a value.
func isRemoval(h nats.Header) bool {
	return h.Get(kvOperationHeader) != "" || h.Get(jetstream.MarkerReasonHeader) != ""
}
