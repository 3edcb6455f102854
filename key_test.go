package routecache

import (
	"encoding/binary"
	"hash/maphash"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyStringRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want string
	}{
		{"room", Key{"telegram", "bot1", "room1", ""}, "telegram:bot1:room1"},
		{"thread", Key{"telegram", "bot1", "room1", "t1"}, "telegram:bot1:room1:t1"},
		{"colon in fields", Key{"a:b", "c", "d:", ":e"}, `a\:b:c:d\::\:e`},
		{"backslash in fields", Key{`a\`, `\b`, `\\`, `x\:y`}, `a\\:\\b:\\\\:x\\\:y`},
		{"only separators", Key{":", `\`, "::", `\:`}, `\::\\:\:\::\\\:`},
		{"nul and invalid utf-8", Key{"\x00", "\xff\xfe", "r\x80", "\xc3"}, "\x00:\xff\xfe:r\x80:\xc3"},
		{"unicode", Key{"матрица", "бот", "комната", "ветка"}, "матрица:бот:комната:ветка"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.key.String())
			got, err := ParseKey(tt.want)
			require.NoError(t, err)
			assert.Equal(t, tt.key, got)
		})
	}
}

func TestParseKeyRejects(t *testing.T) {
	tests := []struct {
		in, why string
	}{
		{"", "fewer than three fields"},
		{"a", "fewer than three fields"},
		{"a:b", "fewer than three fields"},
		{`a:b\:c`, "fewer than three fields"},
		{":b:c", "empty channel"},
		{"a::c", "empty bridge"},
		{"a:b:", "empty room"},
		{"a:b:c:", "empty trailing thread"},
		{"a:b:c:d:e", "more than four fields"},
		{`a:b:c\`, "stray escape"},
		{`a:b:c\d`, "stray escape"},
		{`a\x:b:c`, "stray escape"},
		{`\`, "stray escape"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseKey(tt.in)
			require.ErrorIs(t, err, ErrInvalidKey)
			assert.Contains(t, err.Error(), tt.why)
		})
	}
}

func TestRoomScope(t *testing.T) {
	k := Key{"c", "b", "r", "t"}
	assert.Equal(t, Key{"c", "b", "r", ""}, k.RoomScope())
	assert.Equal(t, Key{"c", "b", "r", "t"}, k, "the receiver is a copy")
	assert.Equal(t, k.RoomScope(), k.RoomScope().RoomScope())
}

func TestHashKeySeparatesFields(t *testing.T) {
	pairs := [][2]Key{
		{{"a:b", "c", "r", ""}, {"a", "b:c", "r", ""}},
		{{"a", "bc", "r", ""}, {"ab", "c", "r", ""}},
		{{"x", "y", "r", "t"}, {"y", "x", "r", "t"}},
		{{"c", "b", "r", "t"}, {"c", "b", "t", "r"}},
		{{"c", "b", "r", ""}, {"c", "b", "", "r"}},
		{{"c", "b", "rt", ""}, {"c", "b", "r", "t"}},
	}
	for _, p := range pairs {
		assert.NotEqual(t, hashKey(p[0]), hashKey(p[1]), "%q vs %q", p[0], p[1])
	}
	assert.Equal(t, hashKey(Key{"c", "b", "r", "t"}), hashKey(Key{"c", "b", "r", "t"}))
}

func TestKeyAllocations(t *testing.T) {
	k := Key{"telegram", "bot", "room", "thread"}
	var c Cache[string]
	c.maxKeyBytes = 1024
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = hashKey(k) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = c.checkKey(Key{Channel: "x"}) }),
		"a rejected empty field costs nothing")
}

// BenchmarkHashKey compares the key hash with the ways it could have been
// built: encoding the key into a stack buffer and hashing once, streaming
// through a Digest, and the runtime's own AES-based hash of the struct
// (maphash.Comparable), which is fast but seeded per process and so cannot
// pick shards.
func BenchmarkHashKey(b *testing.B) {
	keys := benchKeys(1024)
	var sink uint64
	b.Run("fields", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += hashKey(keys[i&1023])
		}
	})
	b.Run("buffer", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += hashKeyBuffered(keys[i&1023])
		}
	})
	b.Run("digest", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += hashKeyDigest(keys[i&1023])
		}
	})
	seed := maphash.MakeSeed()
	b.Run("maphash", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += maphash.Comparable(seed, keys[i&1023])
		}
	})
	_ = sink
}

func hashKeyBuffered(k Key) uint64 {
	var buf [128]byte
	b := binary.AppendUvarint(buf[:0], uint64(len(k.Channel)))
	b = binary.AppendUvarint(b, uint64(len(k.Bridge)))
	b = binary.AppendUvarint(b, uint64(len(k.Room)))
	b = append(b, k.Channel...)
	b = append(b, k.Bridge...)
	b = append(b, k.Room...)
	b = append(b, k.Thread...)
	return xxhash.Sum64(b)
}

func hashKeyDigest(k Key) uint64 {
	var d xxhash.Digest
	d.Reset()
	var lens [3]byte
	lens[0], lens[1], lens[2] = byte(len(k.Channel)), byte(len(k.Bridge)), byte(len(k.Room))
	_, _ = d.Write(lens[:])
	_, _ = d.WriteString(k.Channel)
	_, _ = d.WriteString(k.Bridge)
	_, _ = d.WriteString(k.Room)
	_, _ = d.WriteString(k.Thread)
	return d.Sum64()
}
