package main

import (
	"github.com/c41db742/routecache"
	"github.com/cespare/xxhash/v2"
)

// rendezvous picks a room's fallback upstream by rendezvous (highest random
// weight) hashing, Thaler and Ravishankar 1998: every upstream scores the
// room, the highest score wins. Unlike hash-modulo-n, removing an upstream
// moves only the rooms that were on it, and adding one takes an equal share
// of rooms from each of the others; proxies configured with the same
// upstreams agree on every room without talking to each other.
//
// Cost of a pick: one xxhash of the room's fields and one 64-bit mix per
// upstream, no allocation. That is cheap enough to compute on every request,
// which Resolve needs because it takes its fallbacks up front.
//
// A rendezvous is immutable after newRendezvous and safe for concurrent use.
type rendezvous struct {
	names []string
	// seeds[i] is a hash of names[i]: the upstream's identity in the score,
	// so the pick depends on names, not on their order in the flags.
	seeds []uint64
}

func newRendezvous(names []string) *rendezvous {
	r := &rendezvous{names: names, seeds: make([]uint64, len(names))}
	for i, name := range names {
		r.seeds[i] = xxhash.Sum64String(name)
	}
	return r
}

// pick returns the name of the upstream that k's room hashes onto. Every
// thread of a room gets the room's upstream: the thread field is not hashed.
func (r *rendezvous) pick(k routecache.Key) string {
	first, _ := r.pickTwo(k)
	return first
}

// pickTwo returns the room's first and second choice. The second is where
// the room would go if the first were removed, so offering it as the next
// fallback makes a refused upstream behave like a removed one. With a single
// upstream both are the same.
func (r *rendezvous) pickTwo(k routecache.Key) (first, second string) {
	room := roomHash(k)
	best, runnerUp := -1, -1
	var bestScore, runnerUpScore uint64
	for i, seed := range r.seeds {
		score := mix64(room ^ seed)
		switch {
		case best < 0 || r.beats(score, i, bestScore, best):
			best, bestScore, runnerUp, runnerUpScore = i, score, best, bestScore
		case runnerUp < 0 || r.beats(score, i, runnerUpScore, runnerUp):
			runnerUp, runnerUpScore = i, score
		}
	}
	if runnerUp < 0 {
		runnerUp = best
	}
	return r.names[best], r.names[runnerUp]
}

// beats orders upstreams by score, then by name, so that equal scores never
// make the pick depend on flag order.
func (r *rendezvous) beats(score uint64, i int, otherScore uint64, other int) bool {
	if score != otherScore {
		return score > otherScore
	}
	return r.names[i] < r.names[other]
}

// roomHash hashes the channel, bridge and room of k. A NUL separates the
// fields; a field holding NUL can make two rooms hash alike, which only means
// they share an upstream.
func roomHash(k routecache.Key) uint64 {
	var d xxhash.Digest
	d.Reset()
	_, _ = d.WriteString(k.Channel)
	_, _ = d.WriteString("\x00")
	_, _ = d.WriteString(k.Bridge)
	_, _ = d.WriteString("\x00")
	_, _ = d.WriteString(k.Room)
	return d.Sum64()
}

// mix64 is the splitmix64 finalizer (Steele, Lea and Flood 2014). It turns
// room^seed, which differs between upstreams in only a few bits for similar
// names, into scores that behave like independent random numbers.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
