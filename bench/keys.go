package bench

import (
	"math/rand/v2"
	"strconv"

	"github.com/c41db742/routecache"
)

// benchKey is one conversation key, generated before any timer starts, in
// both forms the caches take: the four-field routecache.Key for caches keyed
// by a comparable struct, and its String form for caches keyed by string
// (ristretto, go-cache). Neither form is built inside a timed loop.
type benchKey struct {
	key  routecache.Key
	flat string
}

// keySet is a deterministic population of conversation keys. About a third
// address a room (Thread == ""); the rest are threads of those rooms, so
// every thread key's RoomScope is also in the set.
type keySet struct {
	keys    []benchKey
	rooms   []int // indexes into keys of the room keys
	threads []int // indexes into keys of the thread keys
}

// channelShapes gives, per chat network, how its room and thread ids look, so
// the key lengths and the bytes hashed resemble real traffic.
type channelShape struct {
	channel string
	room    func(r *rand.Rand) string
	thread  func(r *rand.Rand) string
}

func channelShapes() []channelShape {
	return []channelShape{
		{"telegram",
			func(r *rand.Rand) string { return "-100" + digits(r, 10) },
			func(r *rand.Rand) string { return strconv.Itoa(1 + r.IntN(999_999)) }},
		{"slack",
			func(r *rand.Rand) string { return "C" + alphanumeric(r, 10, upperAlphabet) },
			func(r *rand.Rand) string { return "17" + digits(r, 8) + "." + digits(r, 6) }},
		{"discord",
			func(r *rand.Rand) string { return "1" + digits(r, 17) },
			func(r *rand.Rand) string { return "1" + digits(r, 18) }},
		{"matrix",
			func(r *rand.Rand) string { return "!" + alphanumeric(r, 18, mixedAlphabet) + ":example.org" },
			func(r *rand.Rand) string { return "$" + alphanumeric(r, 43, mixedAlphabet) }},
		{"whatsapp",
			func(r *rand.Rand) string { return digits(r, 18) + "@g.us" },
			func(r *rand.Rand) string { return alphanumeric(r, 20, upperAlphabet) }},
	}
}

const (
	upperAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	mixedAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

func digits(r *rand.Rand, n int) string {
	return alphanumeric(r, n, "0123456789")
}

func alphanumeric(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// generateKeys returns n distinct keys. Rooms are drawn one at a time with 0
// to 4 threads each (2 on average), so one key in three has no thread. The
// result is shuffled so that a Zipf rank picks rooms and threads alike.
func generateKeys(n int, seed uint64) keySet {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	shapes := channelShapes()
	seen := make(map[routecache.Key]struct{}, n)
	ordered := make([]routecache.Key, 0, n)
	add := func(k routecache.Key) bool {
		if _, dup := seen[k]; dup {
			return false
		}
		seen[k] = struct{}{}
		ordered = append(ordered, k)
		return true
	}
	for len(ordered) < n {
		shape := shapes[r.IntN(len(shapes))]
		room := routecache.Key{
			Channel: shape.channel,
			Bridge:  "bridge-" + strconv.Itoa(r.IntN(32)),
			Room:    shape.room(r),
		}
		if !add(room) {
			continue
		}
		for threads := r.IntN(5); threads > 0 && len(ordered) < n; threads-- {
			thread := room
			thread.Thread = shape.thread(r)
			add(thread)
		}
	}
	r.Shuffle(len(ordered), func(i, j int) { ordered[i], ordered[j] = ordered[j], ordered[i] })

	set := keySet{keys: make([]benchKey, n)}
	for i, k := range ordered {
		set.keys[i] = benchKey{key: k, flat: k.String()}
		if k.Thread == "" {
			set.rooms = append(set.rooms, i)
		} else {
			set.threads = append(set.threads, i)
		}
	}
	return set
}
