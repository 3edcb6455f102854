package fuzz

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/internal/collide"
)

// The operation space of FuzzOps: the configurations, keys, routes and TTLs
// a fuzz input's bytes select, and the decoder from bytes to operations.

// fuzzTTL is the default TTL of every fuzzed cache.
const fuzzTTL = time.Minute

// fuzzStart is the FakeClock's start; any fixed instant works.
func fuzzStart() time.Time {
	return time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)
}

// Routes. The fuzzer's Validate rejects badRoute and panics on panicRoute.
const (
	badRoute   = "bad"
	panicRoute = "panic"
)

var errRejectedRoute = errors.New("fuzz: route rejected")

// validateRoute is the Validate of every fuzzed cache.
func validateRoute(route string) error {
	switch route {
	case badRoute:
		return errRejectedRoute
	case panicRoute:
		panic("fuzz: validate panics on purpose")
	}
	return nil
}

// routeFor maps a byte to a route: six good ones, one rejected, one that
// makes Validate panic.
func routeFor(b byte) string {
	return [8]string{"r0", "r1", "r2", "r3", "r4", "r5", badRoute, panicRoute}[b%8]
}

// burstRoute maps a byte to one of routeFor's six good routes: a rejected
// write leaves no wheel node, so a burst of them would never compact, and
// its rejections are the same as a single Set's.
func burstRoute(b byte) string { return routeFor(b % 6) }

// opsConfig is one cache configuration FuzzOps runs against.
type opsConfig struct {
	name        string
	shards      int // 0: the cache's default
	capacity    int // 0: the cache's default (10,000: never reached here)
	maxKeyBytes int // 0: the cache's default (1024)
	// exactOrder: only default-TTL writes and a forward clock, where the
	// eviction order is exactly least-recently-written first. The other
	// configurations add short, long and clamped TTLs and clock jumps back.
	exactOrder bool
}

// opsConfigs lists the configurations; the first input byte picks one. Small
// capacities over a few shards make shards fill and evict; one shard makes
// rooms and threads share it, eight shards mostly split them.
func opsConfigs() []opsConfig {
	return []opsConfig{
		{name: "1shard-cap3", shards: 1, capacity: 3, exactOrder: true},
		{name: "2shards-cap2", shards: 2, capacity: 2, exactOrder: true},
		{name: "3shards-cap4-maxkey16", shards: 3, capacity: 4, maxKeyBytes: 16, exactOrder: true},
		{name: "8shards-cap1", shards: 8, capacity: 1, exactOrder: true},
		{name: "defaults", exactOrder: true},
		{name: "1shard-cap5-mixed", shards: 1, capacity: 5},
		{name: "2shards-cap3-maxkey24-mixed", shards: 2, capacity: 3, maxKeyBytes: 24},
		{name: "4shards-cap64-mixed", shards: 4, capacity: 64},
	}
}

// effectiveMaxKeyBytes is the limit the cache applies for cfg.
func (cfg opsConfig) effectiveMaxKeyBytes() int {
	if cfg.maxKeyBytes == 0 {
		return 1024
	}
	return cfg.maxKeyBytes
}

// effectiveCapacity is the per-shard capacity the cache applies for cfg.
func (cfg opsConfig) effectiveCapacity() int {
	if cfg.capacity == 0 {
		return 10_000
	}
	return cfg.capacity
}

// keySpace maps a byte to a key. Two channels, two bridges, three rooms
// and four threads (room scope included) give 48 ordinary keys, with ':',
// '\', NUL and invalid UTF-8 inside fields. Room bits 3 select the others:
// with the top two bits clear, the special keys (an empty room, an empty
// channel, a key one byte over MaxKeyBytes and one exactly at it); else one
// of three rooms that share one XXH64 (collidingRooms), so keys that differ
// only there share their 64-bit hash and meet in the table's collision
// groups, thread and room scope alike. Under the small key limits they are
// refused as too long.
type keySpace struct {
	keys [256]routecache.Key
}

// collidingRooms are the three rooms of the key space whose hashes collide.
var collidingRooms = collide.Rooms(3, 7)

func newKeySpace(maxKeyBytes int) *keySpace {
	channels := [2]string{"tg", "m:x"}
	bridges := [2]string{"b1", `b\2`}
	rooms := [3]string{"r1", "r2", "r:3"}
	threads := [4]string{"", "t1", "t2", "t:\x00\xff"}
	ks := &keySpace{}
	for i := range ks.keys {
		b := byte(i)
		k := routecache.Key{
			Channel: channels[b&1],
			Bridge:  bridges[(b>>1)&1],
			Thread:  threads[(b>>4)&3],
		}
		switch {
		case (b>>2)&3 != 3:
			k.Room = rooms[(b>>2)&3]
		case b>>6 == 0:
			k.Room = rooms[0]
			k = specialKey(k, (b>>4)&3, maxKeyBytes)
		default:
			k.Room = collidingRooms[b>>6-1]
		}
		ks.keys[i] = k
	}
	return ks
}

// specialKey turns k into one of the boundary keys.
func specialKey(k routecache.Key, which byte, maxKeyBytes int) routecache.Key {
	switch which {
	case 0:
		k.Room, k.Thread = "", "t1"
	case 1:
		k.Channel = ""
	case 2:
		k.Thread = strings.Repeat("o", maxKeyBytes-len(k.Channel)-len(k.Bridge)-len(k.Room)+1)
	default:
		k.Thread = strings.Repeat("x", maxKeyBytes-len(k.Channel)-len(k.Bridge)-len(k.Room))
	}
	return k
}

// opKind is one kind of fuzzed operation.
type opKind uint8

const (
	opSet opKind = iota
	opSetWithTTL
	opGet
	opResolve
	opDelete
	opPrune
	opAdvance
	opAdvancePastTTL
	opAll
	opSetClockBack
	opClose
	opBurst
	opResolveWith
)

// burstWrites is how many times opBurst overwrites one key under cfg:
// enough stale wheel nodes to make a writer compact its shard's wheel, and
// a few more. Without a background goroutine the core compacts past four
// stale nodes per live entry plus 64; a shard holds at most its capacity,
// and under the default capacity, never reached here, at most 50 keys (the
// key space has 100 valid ones; the default count is 2 shards or more).
// Bursts are most of what an input holding one costs, so the count stays
// near the threshold.
func (cfg opsConfig) burstWrites() int {
	return 4*min(cfg.effectiveCapacity(), 64) + 64 + 32
}

// maxBursts bounds the bursts of one input, so that no input takes long
// enough for the fuzzing engine to think its worker hung; later bursts
// are read as a single Set.
const maxBursts = 2

// kindOf maps the low four bits of an operation byte to its kind; writes
// and lookups get more of the sixteen values than the rest. The costly
// opBurst hides behind All with the top bit set, and ResolveWith behind the
// third Resolve value with the top bit set, so inputs written before these
// operations existed mostly decode as they did.
func kindOf(b byte) opKind {
	switch {
	case b&15 == 13 && b&0x80 != 0:
		return opBurst
	case b&15 == 8 && b&0x80 != 0:
		return opResolveWith
	}
	return [16]opKind{
		opSet, opSet, opSet, opSetWithTTL,
		opGet, opGet, opResolve, opResolve,
		opResolve, opDelete, opPrune, opAdvance,
		opAdvancePastTTL, opAll, opSetClockBack, opClose,
	}[b&15]
}

// op is one decoded operation.
type op struct {
	kind       opKind
	key        byte
	route      byte
	arg        byte // TTL class, clock step, clock target or the loader's answer
	fallbacks  [3]byte
	nFallbacks int
}

// closeTail is how close to the end a Close must come to be kept: a Close
// earlier in the input would leave the rest of it nothing but closed-cache
// answers, so it is read as an All instead.
const closeTail = 8

// decodeOps reads operations from data until it runs out; missing argument
// bytes read as zero.
func decodeOps(data []byte) []op {
	pos := 0
	next := func() byte {
		if pos >= len(data) {
			return 0
		}
		b := data[pos]
		pos++
		return b
	}
	ops := make([]op, 0, len(data)/2)
	for pos < len(data) {
		o := op{kind: kindOf(next())}
		switch o.kind {
		case opSet, opBurst:
			o.key, o.route = next(), next()
		case opSetWithTTL:
			o.key, o.route, o.arg = next(), next(), next()
		case opGet, opDelete:
			o.key = next()
		case opResolve, opResolveWith:
			o.key = next()
			if o.kind == opResolveWith {
				o.arg = next()
			}
			o.nFallbacks = int(next() % 4)
			for i := 0; i < o.nFallbacks; i++ {
				o.fallbacks[i] = next()
			}
		case opAdvance, opAdvancePastTTL, opSetClockBack:
			o.arg = next()
		}
		ops = append(ops, o)
	}
	for i := range ops[:max(0, len(ops)-closeTail)] {
		if ops[i].kind == opClose {
			ops[i].kind = opAll
		}
	}
	bursts := 0
	for i := range ops {
		if ops[i].kind == opBurst {
			if bursts++; bursts > maxBursts {
				ops[i].kind = opSet
			}
		}
	}
	return ops
}

// ttlFor maps a TTL class byte to a SetWithTTL argument. With exact order
// only the default TTL (0 or spelled out) and negative ones occur.
func ttlFor(b byte, exactOrder bool) time.Duration {
	if exactOrder {
		return [4]time.Duration{0, -time.Nanosecond, fuzzTTL, -fuzzTTL}[b%4]
	}
	return [8]time.Duration{
		0, -time.Nanosecond, time.Nanosecond, fuzzTTL / 32,
		fuzzTTL / 2, 3 * fuzzTTL, 100 * fuzzTTL, math.MaxInt64,
	}[b%8]
}

// smallStep is a clock step below a TTL. Most are multiples of TTL/32, so
// sums often land exactly on an expiry, the boundary where an entry stops
// being alive; 1 ns and 300 ms steps put expiries inside one wheel segment
// (about TTL/64 wide) at different offsets.
func smallStep(b byte) time.Duration {
	switch b % 16 {
	case 0:
		return time.Nanosecond
	case 1:
		return fuzzTTL / 200
	}
	return time.Duration(b%16-1) * fuzzTTL / 32
}

// pastTTLStep is a clock step past a whole TTL.
func pastTTLStep(b byte) time.Duration {
	return fuzzTTL + time.Duration(b%8)*fuzzTTL/8
}

// clockBackTarget is where opSetClockBack sets the clock: up to two TTLs
// back, or before the cache's epoch.
func clockBackTarget(now time.Time, b byte) time.Time {
	if b%8 == 7 {
		return fuzzStart().Add(-fuzzTTL)
	}
	return now.Add(-time.Duration(b%8) * fuzzTTL / 4)
}

// describe renders o for failure messages.
func (o op) describe(ks *keySpace, cfg opsConfig) string {
	k := func() string { return fmt.Sprintf("%q", abbreviate(ks.keys[o.key].String())) }
	switch o.kind {
	case opSet:
		return fmt.Sprintf("Set(%s, %q)", k(), routeFor(o.route))
	case opSetWithTTL:
		return fmt.Sprintf("SetWithTTL(%s, %q, %v)", k(), routeFor(o.route), ttlFor(o.arg, cfg.exactOrder))
	case opGet:
		return fmt.Sprintf("Get(%s)", k())
	case opResolve:
		fbs := make([]string, o.nFallbacks)
		for i := range fbs {
			fbs[i] = fmt.Sprintf("%q", routeFor(o.fallbacks[i]))
		}
		return fmt.Sprintf("Resolve(%s, [%s])", k(), strings.Join(fbs, ", "))
	case opResolveWith:
		fbs := make([]string, o.nFallbacks)
		for i := range fbs {
			fbs[i] = fmt.Sprintf("%q", routeFor(o.fallbacks[i]))
		}
		return fmt.Sprintf("ResolveWith(%s, %s, [%s])", k(), loadFor(o.arg, cfg.exactOrder), strings.Join(fbs, ", "))
	case opDelete:
		return fmt.Sprintf("Delete(%s)", k())
	case opPrune:
		return "Prune()"
	case opAdvance:
		return fmt.Sprintf("clock.Advance(%v)", smallStep(o.arg))
	case opAdvancePastTTL:
		return fmt.Sprintf("clock.Advance(%v)", pastTTLStep(o.arg))
	case opAll:
		return "All()"
	case opSetClockBack:
		if cfg.exactOrder {
			return fmt.Sprintf("clock.Advance(%v)", smallStep(o.arg))
		}
		return fmt.Sprintf("clock.Set(back, class %d)", o.arg%8)
	case opClose:
		return "Close()"
	case opBurst:
		return fmt.Sprintf("%d × Set(%s, %q)", cfg.burstWrites(), k(), burstRoute(o.route))
	}
	return fmt.Sprintf("op(%d)", o.kind)
}

// abbreviate shortens the oversize keys in messages.
func abbreviate(s string) string {
	if len(s) <= 48 {
		return s
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:40], len(s))
}

// errDirectoryDown is what the fuzzer's loader returns when it fails.
var errDirectoryDown = errors.New("fuzz: directory down")

// loadBehaviour is what the fuzzer's loader does for one ResolveWith: a
// pure function of the operation's argument byte (loadFor), so the model
// knows the answer without calling anything.
type loadBehaviour struct {
	route  string
	ttl    time.Duration
	err    error // returned as the loader's error
	panics bool  // the loader panics
}

// loadFor maps an argument byte to the loader's answer: a good route with a
// TTL (default or explicit; with mixed TTLs also short, long and clamped
// ones), an error, a route Validate rejects or panics on, a panic in the
// loader, or a negative TTL. With exact order only the default TTL occurs.
func loadFor(b byte, exactOrder bool) loadBehaviour {
	route := [4]string{"l0", "l1", "l2", "r0"}[(b>>3)&3] // "r0" is also a fallback and a Set route
	ttl := ttlFor(b>>5, exactOrder)
	if ttl < 0 {
		ttl = 0
	}
	switch b & 7 {
	case 3:
		return loadBehaviour{err: errDirectoryDown}
	case 4:
		return loadBehaviour{route: badRoute}
	case 5:
		return loadBehaviour{route: panicRoute}
	case 6:
		return loadBehaviour{panics: true}
	case 7:
		return loadBehaviour{route: route, ttl: -time.Nanosecond}
	}
	return loadBehaviour{route: route, ttl: ttl}
}

// loader returns the routecache.Loader that behaves as l.
func (l loadBehaviour) loader() routecache.Loader[string] {
	return func(context.Context, routecache.Key) (string, time.Duration, error) {
		if l.panics {
			panic("fuzz: loader panics on purpose")
		}
		return l.route, l.ttl, l.err
	}
}

func (l loadBehaviour) String() string {
	switch {
	case l.panics:
		return "load panics"
	case l.err != nil:
		return "load fails"
	}
	return fmt.Sprintf("load %q ttl %v", l.route, l.ttl)
}
