package routecache

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fresh returns a copy of k whose fields live in new memory, so that a
// comparison cannot succeed by finding the same pointers.
func fresh(k Key) Key {
	return Key{strings.Clone(k.Channel), strings.Clone(k.Bridge), strings.Clone(k.Room), strings.Clone(k.Thread)}
}

// TestKeyNameNamesByContent: a name gives its key back, names every key
// with the same bytes wherever they live, and no key that differs in any
// field, even where the concatenated bytes agree.
func TestKeyNameNamesByContent(t *testing.T) {
	base := Key{"telegram", "bot1", "room1", "t1"}
	name := nameOf(&base)
	require.Equal(t, base, name.Key())
	assert.True(t, name.Names(fresh(base)))
	assert.True(t, name.is(&base))

	for _, tc := range []struct {
		desc  string
		other Key
	}{
		{"another thread", Key{"telegram", "bot1", "room1", "t2"}},
		{"the room itself", Key{"telegram", "bot1", "room1", ""}},
		{"a byte moved across a field boundary", Key{"telegra", "mbot1", "room1", "t1"}},
		{"fields swapped", Key{"bot1", "telegram", "room1", "t1"}},
		{"a longer field", Key{"telegram", "bot1", "room10", "t1"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			other := fresh(tc.other)
			assert.False(t, name.Names(other))
			assert.False(t, name.is(&other))
			otherName := nameOf(&other)
			assert.False(t, otherName.is(&base))
		})
	}

	room := Key{"slack", "ws", "C1", ""}
	roomName := nameOf(&room)
	assert.Equal(t, room, roomName.Key(), "an empty thread comes back empty")
	assert.True(t, roomName.Names(fresh(room)))
}

// TestNameKeepsKeyAlive: an entry's name is all that keeps a key's bytes
// reachable once the caller drops the key; a collection in between must
// not take them.
func TestNameKeepsKeyAlive(t *testing.T) {
	c, _, _ := newTestCache(t, Config[string]{})
	k := fresh(Key{"telegram", "bot1", strings.Repeat("r", 100), "t"})
	want := k.String()
	require.NoError(t, c.Set(k, "route"))
	k = Key{}
	// Collect, then allocate strings of the same size: freed bytes would
	// be handed out again and overwritten.
	var churn []string
	for range 3 {
		runtime.GC()
		for range 1000 {
			churn = append(churn, strings.Repeat("x", 100))
		}
	}
	runtime.KeepAlive(churn)
	var got []string
	for held := range c.All() {
		got = append(got, held.String())
	}
	assert.Equal(t, []string{want}, got)
}

func TestMaxKeyBytesIsClampedToUint32(t *testing.T) {
	if math.MaxInt == math.MaxInt32 {
		t.Skip("int cannot exceed the limit on this platform")
	}
	c, err := New(Config[string]{MaxKeyBytes: math.MaxInt, PruneInterval: -1})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, math.MaxUint32, c.maxKeyBytes)
}
