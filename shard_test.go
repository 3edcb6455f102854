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
	assert.Equal(t, uintptr(96), unsafe.Sizeof(entry[*int]{}), "Key 64 + seq 8 + route 8 + two times")
	assert.Equal(t, uintptr(128), unsafe.Sizeof(shard[*int]{}), "two cache lines: pointers, then counters and lock")
	assert.Equal(t, uintptr(64), unsafe.Offsetof(shard[*int]{}.seq), "the counters start the second line")
}
