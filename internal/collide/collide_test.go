package collide

import (
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoomsShareOneHash(t *testing.T) {
	for _, seed := range []uint64{0, 1, 0xdeadbeef} {
		rooms := Rooms(2000, seed)
		require.Len(t, rooms, 2000)
		want := xxhash.Sum64String(rooms[0])
		seen := make(map[string]bool, len(rooms))
		for _, r := range rooms {
			require.Len(t, r, Size)
			require.Equal(t, want, xxhash.Sum64String(r), "seed %d", seed)
			require.False(t, seen[r], "duplicate room")
			seen[r] = true
		}
	}
}

func TestSeedsGiveDifferentFamilies(t *testing.T) {
	a, b := Rooms(1, 1), Rooms(1, 2)
	assert.NotEqual(t, xxhash.Sum64String(a[0]), xxhash.Sum64String(b[0]))
}

func TestInverse(t *testing.T) {
	for _, p := range []uint64{prime1, prime2, 3, 0xffffffffffffffff} {
		assert.Equal(t, uint64(1), p*inverse(p))
	}
}
