package fleet

import "sync/atomic"

// Stats counts what a Member did since Join. Every field only grows,
// except Revision.
type Stats struct {
	Published   uint64 // writes of this member the bucket acknowledged
	Unavailable uint64 // writes applied locally only, returned as ErrUnavailable
	Republished uint64 // writes returned as ErrUnavailable and shared after the connection came back
	Applied     uint64 // bucket updates applied to the local cache (routes and deletions, echoes of own writes included)
	Superseded  uint64 // bucket updates and acknowledgements ignored: a newer revision of the key was already applied
	Expired     uint64 // bucket routes whose lifetime had ended when they arrived (removed, not stored)
	Skipped     uint64 // bucket entries ignored as bad data: Undecodable + Foreign + Rejected
	Undecodable uint64 // values that are not a fleet envelope or that the Codec could not decode
	Foreign     uint64 // bucket keys not written by a fleet member
	Rejected    uint64 // decoded routes the local cache refused (Validate, MaxKeyBytes, closed cache)
	Dropped     uint64 // resolved routes not shared because the share queue was full (ShareResolved)
	Reconnects  uint64 // times the connection came back and the member resumed following
	Reloads     uint64 // times the member reloaded the whole bucket because the history it needed was gone
	Revision    uint64 // the last bucket revision this member has processed
}

// counters are the live Stats. Member operations are network-bound, so
// plain atomics (not striped counters) are cheap enough here.
type counters struct {
	published, unavailable, republished     atomic.Uint64
	applied, superseded, expired            atomic.Uint64
	undecodable, foreign, rejected, dropped atomic.Uint64
	reconnects, reloads                     atomic.Uint64
}

func (c *counters) snapshot(revision uint64) Stats {
	s := Stats{
		Published:   c.published.Load(),
		Unavailable: c.unavailable.Load(),
		Republished: c.republished.Load(),
		Applied:     c.applied.Load(),
		Superseded:  c.superseded.Load(),
		Expired:     c.expired.Load(),
		Undecodable: c.undecodable.Load(),
		Foreign:     c.foreign.Load(),
		Rejected:    c.rejected.Load(),
		Dropped:     c.dropped.Load(),
		Reconnects:  c.reconnects.Load(),
		Reloads:     c.reloads.Load(),
		Revision:    revision,
	}
	s.Skipped = s.Undecodable + s.Foreign + s.Rejected
	return s
}
