package main

import (
	"fmt"
	"hash/fnv"
	"sync/atomic"

	"github.com/c41db742/routecache"
)

// population is the set of conversations the workload talks in, and the
// routes they can take. Session s is slot s%(threadsPerRoom+1) of room
// s/(threadsPerRoom+1): slot 0 is the room itself, slot i its thread i. So a
// popular session lies next to its room and the room's other threads, as in
// chat, where a busy room has busy threads.
//
// Every string is built once here: the workers only copy string headers, so
// building a key costs no allocation. Only currentUpstream changes during a
// run (room moves); the rest is read-only after newPopulation.
type population struct {
	threadsPerRoom int
	roomKeys       []routecache.Key // the room-scope key of each room
	threadIDs      []string         // threadIDs[0] is "" (the room itself)
	upstreams      []string         // the routes
	// fallbackUpstream is the upstream a proxy would pick for a room it knows
	// nothing about: the room's id hashed onto the upstreams.
	fallbackUpstream []uint32
	// currentUpstream is where each room is routed now. A move stores a new
	// index; a starting conversation loads it. Relaxed use is enough: a Set
	// racing a move may store the old route, as a real control plane would.
	currentUpstream []atomic.Uint32
}

// channelName names channel type i: well-known platforms first, then numbered
// ones.
func channelName(i int) string {
	names := [...]string{"telegram", "slack", "discord", "whatsapp", "matrix", "signal", "teams", "irc"}
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("channel-%d", i)
}

// roomID renders room r in a style close to what its channel uses, so the
// key lengths vary as they do in a real deployment.
func roomID(channel string, r int) string {
	switch channel {
	case "telegram":
		return fmt.Sprintf("-100%010d", 1_300_000_000+r)
	case "slack":
		return fmt.Sprintf("C%08X", 0x0A000000+r)
	case "discord":
		return fmt.Sprintf("%d", 1_100_000_000_000_000_000+uint64(r)*7919)
	case "whatsapp":
		return fmt.Sprintf("1203630%08d@g.us", r)
	case "matrix":
		return fmt.Sprintf("!room%07d:example.org", r)
	}
	return fmt.Sprintf("room-%d", r)
}

// newPopulation builds the conversations and routes cfg describes. It costs
// a few strings per room; cfg must be valid.
func newPopulation(cfg Config) *population {
	rooms := cfg.rooms()
	p := &population{
		threadsPerRoom:   cfg.ThreadsPerRoom,
		roomKeys:         make([]routecache.Key, rooms),
		threadIDs:        make([]string, cfg.ThreadsPerRoom+1),
		upstreams:        make([]string, cfg.Upstreams),
		fallbackUpstream: make([]uint32, rooms),
		currentUpstream:  make([]atomic.Uint32, rooms),
	}
	for i := 1; i < len(p.threadIDs); i++ {
		p.threadIDs[i] = fmt.Sprintf("thread-%d", i)
	}
	for i := range p.upstreams {
		p.upstreams[i] = fmt.Sprintf("10.%d.%d.%d:8443", 20+i/65536, i/256%256, i%256)
	}
	bridgeIDs := make([]string, cfg.bridges())
	for b := range bridgeIDs {
		bridgeIDs[b] = fmt.Sprintf("bridge-%d", b)
	}
	for r := range p.roomKeys {
		bridge := r / cfg.RoomsPerBridge
		channel := channelName(bridge % cfg.Channels)
		p.roomKeys[r] = routecache.Key{Channel: channel, Bridge: bridgeIDs[bridge], Room: roomID(channel, r)}
		hash := fnv.New32a()
		hash.Write([]byte(p.roomKeys[r].Room))
		p.fallbackUpstream[r] = hash.Sum32() % uint32(len(p.upstreams))
		p.currentUpstream[r].Store(p.fallbackUpstream[r])
	}
	return p
}

// roomOf returns the room session s belongs to.
func (p *population) roomOf(session int) int {
	return session / (p.threadsPerRoom + 1)
}

// key returns the key of session s. It allocates nothing.
func (p *population) key(session int) routecache.Key {
	k := p.roomKeys[p.roomOf(session)]
	k.Thread = p.threadIDs[session%(p.threadsPerRoom+1)]
	return k
}

// fallbackRoute is the route a proxy supplies to Resolve for session s: its
// room hashed onto the upstreams.
func (p *population) fallbackRoute(session int) string {
	return p.upstreams[p.fallbackUpstream[p.roomOf(session)]]
}

// currentRoute is the route of session s's room now.
func (p *population) currentRoute(session int) string {
	return p.upstreams[p.currentUpstream[p.roomOf(session)].Load()]
}

// move routes room to another upstream chosen by draw and returns the room's
// key and its new route.
func (p *population) move(room int, draw uint32) (routecache.Key, string) {
	from := p.currentUpstream[room].Load()
	// Adding 1..n-1 modulo n always lands on a different upstream.
	to := (from + 1 + draw%uint32(len(p.upstreams)-1)) % uint32(len(p.upstreams))
	p.currentUpstream[room].Store(to)
	return p.roomKeys[room], p.upstreams[to]
}
