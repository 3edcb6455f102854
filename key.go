package routecache

import (
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// Key names one conversation. Channel, Bridge and Room must be non-empty;
// Thread is empty when the key addresses the room itself. Fields may hold any
// bytes, ':' and invalid UTF-8 included. The zero Key is not a valid key.
type Key struct {
	Channel string // channel type, e.g. "telegram"
	Bridge  string // bridge or bot instance id
	Room    string // room id
	Thread  string // thread id; "" addresses the room itself
}

// RoomScope returns k with Thread cleared: the key of k's room. It costs a
// struct copy and allocates nothing.
func (k Key) RoomScope() Key {
	k.Thread = ""
	return k
}

// String renders k as "channel:bridge:room" or "channel:bridge:room:thread",
// with ':' and '\' inside a field escaped as "\:" and "\\". ParseKey is its
// exact inverse. It allocates the result.
func (k Key) String() string {
	var b strings.Builder
	b.Grow(len(k.Channel) + len(k.Bridge) + len(k.Room) + len(k.Thread) + 3)
	writeEscaped(&b, k.Channel)
	b.WriteByte(':')
	writeEscaped(&b, k.Bridge)
	b.WriteByte(':')
	writeEscaped(&b, k.Room)
	if k.Thread != "" {
		b.WriteByte(':')
		writeEscaped(&b, k.Thread)
	}
	return b.String()
}

func writeEscaped(b *strings.Builder, field string) {
	for i := 0; i < len(field); i++ {
		c := field[i]
		if c == ':' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
}

// ParseKey is the exact inverse of Key.String: ParseKey(k.String()) == k for
// every valid k, and ParseKey(s) succeeds only for strings String produces.
// Anything else (fewer than three or more than four fields, an empty channel,
// bridge or room, an empty trailing thread, a '\' not followed by ':' or '\')
// returns an error wrapping ErrInvalidKey. It applies no length limit; the
// cache checks MaxKeyBytes when the key is used. Cost: one pass over s and
// one allocation per field that holds an escape.
func ParseKey(s string) (Key, error) {
	var fields [4]string
	n := 0
	var field strings.Builder
	escaped := false // the current field holds an escape, so it is built in field
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != ':' && s[i+1] != '\\') {
				return Key{}, fmt.Errorf("%w: stray escape at byte %d", ErrInvalidKey, i)
			}
			if !escaped {
				escaped = true
				field.Reset()
				field.WriteString(s[start:i])
			}
			field.WriteByte(s[i+1])
			i++
		case ':':
			if n == 3 {
				return Key{}, fmt.Errorf("%w: more than four fields", ErrInvalidKey)
			}
			fields[n] = fieldValue(s, start, i, escaped, &field)
			n++
			escaped = false
			start = i + 1
		default:
			if escaped {
				field.WriteByte(s[i])
			}
		}
	}
	fields[n] = fieldValue(s, start, len(s), escaped, &field)
	n++
	if n < 3 {
		return Key{}, fmt.Errorf("%w: fewer than three fields", ErrInvalidKey)
	}
	k := Key{Channel: fields[0], Bridge: fields[1], Room: fields[2], Thread: fields[3]}
	if n == 4 && k.Thread == "" {
		return Key{}, fmt.Errorf("%w: empty trailing thread", ErrInvalidKey)
	}
	if err := k.checkFields(); err != nil {
		return Key{}, err
	}
	return k, nil
}

// fieldValue returns the field that ends at end: a substring of s when it held
// no escape, else what was unescaped into b.
func fieldValue(s string, start, end int, escaped bool, b *strings.Builder) string {
	if !escaped {
		return s[start:end]
	}
	return b.String()
}

// The errors of checkFields are built once: a rejected key costs no allocation.
var (
	errEmptyChannel = fmt.Errorf("%w: empty channel", ErrInvalidKey)
	errEmptyBridge  = fmt.Errorf("%w: empty bridge", ErrInvalidKey)
	errEmptyRoom    = fmt.Errorf("%w: empty room", ErrInvalidKey)
)

// checkFields reports the first required field that is empty.
func (k Key) checkFields() error {
	switch {
	case k.Channel == "":
		return errEmptyChannel
	case k.Bridge == "":
		return errEmptyBridge
	case k.Room == "":
		return errEmptyRoom
	}
	return nil
}

// fits reports whether k is a valid key of at most maxBytes bytes: the
// quick test of the hot paths, small enough to be inlined. A pointer
// receiver, so that the test copies no Key (see Table.Load).
func (k *Key) fits(maxBytes int) bool {
	return k.Channel != "" && k.Bridge != "" && k.Room != "" && k.byteLen() <= maxBytes
}

// byteLen is the length of the four fields together, separators excluded:
// the measure MaxKeyBytes limits.
func (k Key) byteLen() int {
	return len(k.Channel) + len(k.Bridge) + len(k.Room) + len(k.Thread)
}

// fieldMix combines the fields' hashes. It is odd, so every step is a
// bijection, and mix-1 has a single factor of two, so swapping two fields'
// values changes the result unless their hashes agree in 63 bits.
const fieldMix = 0x9e3779b97f4a7c15

// hashKey hashes the four fields with xxhash, each on its own, and folds
// the four hashes together position by position, so ("a:b", "c") and
// ("a", "b:c") differ. The hash is unseeded on purpose: ShardOf must give the
// same shard for a key in every process with the same shard count.
//
// Four one-shot hashes cost less than one hash of the key encoded into a
// stack buffer or streamed through an xxhash.Digest; the runtime's AES hash
// of the struct (maphash.Comparable) is cheaper still but seeded per
// process, so it cannot pick shards. BenchmarkHashKey (key_test.go)
// measures the four; its figures are in bench/results-notes.md.
func hashKey(k Key) uint64 {
	h := xxhash.Sum64String(k.Channel)
	h = h*fieldMix + xxhash.Sum64String(k.Bridge)
	h = h*fieldMix + xxhash.Sum64String(k.Room)
	return h*fieldMix + xxhash.Sum64String(k.Thread)
}
