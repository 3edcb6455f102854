package routecache

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// The byte accounting in entry's comment, and the shard's padding,
// checked.
func TestEntryAndShardLayout(t *testing.T) {
	assert.Equal(t, uintptr(64), unsafe.Sizeof(Key{}))
	assert.Equal(t, uintptr(48), unsafe.Sizeof(keyName{}), "four data pointers and four uint32 lengths")
	assert.Equal(t, uintptr(80), unsafe.Sizeof(entry[*int]{}), "name 48 + seq 8 + route 8 + two times")
	// xsync's entry object adds the uint64 hash: 88 bytes, which Go's
	// allocator serves from its 96-byte size class.
	assert.Equal(t, uintptr(88), unsafe.Sizeof(struct {
		h uint64
		e entry[*int]
	}{}))
	assert.Equal(t, uintptr(128), unsafe.Sizeof(shard[*int]{}), "two cache lines: pointers, then counters and lock")
	assert.Equal(t, uintptr(64), unsafe.Offsetof(shard[*int]{}.seq), "the counters start the second line")
}
