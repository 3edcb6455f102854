package table

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// same names a key by holding it: the table's own tests need no smaller
// name.
type same[K comparable] struct{ k K }

func (n same[K]) Names(k K) bool { return n.k == k }
func (n same[K]) Key() K         { return n.k }

// load finds k as the cache does: Probe, then LoadShared for a marker.
func load[K comparable, V any](tb *Table[K, same[K], V], h uint64, k *K) (Slot[same[K], V], bool) {
	s, ok := tb.Probe(h)
	if ok && s.Seq != 0 && s.Name.k == *k {
		return s, true
	}
	return tb.LoadShared(h, k, ok && s.Seq == 0)
}

func all(Slot[same[string], int]) bool { return true }

// TestCollidingKeys stores keys that share one hash explicitly: every key
// stays reachable by key and by seq, replaced and removed alone.
func TestCollidingKeys(t *testing.T) {
	tb := New[string, same[string], int]()
	const h = 42
	const n = 1000
	for i := range n {
		_, replaced := tb.Store(h, Slot[same[string], int]{Name: same[string]{fmt.Sprint("k", i)}, Seq: uint64(i + 1), Value: i})
		require.False(t, replaced)
	}
	assert.Equal(t, int64(n), tb.Len())
	assert.Equal(t, int64(n), tb.Collisions(), "every key of a shared hash lives in its group")
	for i := range n {
		s, ok := load(tb, h, ptr(fmt.Sprint("k", i)))
		require.True(t, ok)
		require.Equal(t, i, s.Value)
		s, ok = tb.LoadSeq(h, uint64(i+1))
		require.True(t, ok, "seq %d", i+1)
		require.Equal(t, fmt.Sprint("k", i), s.Name.Key())
	}
	// Overwrite a colliding key: its old seq is gone, the new one found.
	old, replaced := tb.Store(h, Slot[same[string], int]{Name: same[string]{"k7"}, Seq: 5000, Value: -7})
	require.True(t, replaced)
	assert.Equal(t, uint64(8), old.Seq)
	_, ok := tb.LoadSeq(h, 8)
	assert.False(t, ok)
	s, ok := tb.LoadSeq(h, 5000)
	require.True(t, ok)
	assert.Equal(t, -7, s.Value)
	// Remove by seq, by key, and refuse a stale seq.
	_, removed := tb.RemoveSeq(h, 8, all)
	assert.False(t, removed, "a replaced write's seq removes nothing")
	_, removed = tb.RemoveSeq(h, 5000, all)
	assert.True(t, removed)
	_, removed = tb.Remove(h, "k0", all) // the primary holder
	assert.True(t, removed)
	_, ok = load(tb, h, ptr("k1"))
	assert.True(t, ok, "the other keys stay reachable when one leaves")
	assert.Equal(t, int64(n-2), tb.Len())
	seen := 0
	tb.Range(func(Slot[same[string], int]) bool { seen++; return true })
	assert.Equal(t, n-2, seen)
	_, replaced = tb.Store(h, Slot[same[string], int]{Name: same[string]{"k1"}, Seq: 6000, Value: 1})
	assert.True(t, replaced)
	assert.Equal(t, int64(n-2), tb.Len())

	// Emptied, the group dissolves and the hash takes a lone key again.
	for i := range n {
		tb.Remove(h, fmt.Sprint("k", i), all)
	}
	assert.Zero(t, tb.Len())
	assert.Zero(t, tb.Collisions())
	_, ok = tb.groupOf(h)
	assert.False(t, ok, "the group dissolved")
	tb.Store(h, Slot[same[string], int]{Name: same[string]{"again"}, Seq: 7000})
	s, ok = load(tb, h, ptr("again"))
	require.True(t, ok)
	assert.False(t, s.isMarker())
}

// TestGroupsFormAndDissolveUnderChurn races writers of a few keys sharing
// one hash, so groups form, empty and dissolve while others write; every
// key stays consistent and the counts come back to what is held.
func TestGroupsFormAndDissolveUnderChurn(t *testing.T) {
	tb := New[int, same[int], int]()
	var seq atomic.Uint64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20_000 {
				k := (g + i) % 3
				if i%2 == 0 {
					tb.Store(9, Slot[same[int], int]{Name: same[int]{k}, Seq: seq.Add(1), Value: k})
				} else {
					tb.Remove(9, k, func(Slot[same[int], int]) bool { return true })
				}
				if s, ok := load(tb, 9, ptr(k)); ok && s.Value != k {
					t.Errorf("key %d read %d", k, s.Value)
					return
				}
			}
		}()
	}
	wg.Wait()
	held := int64(0)
	tb.Range(func(s Slot[same[int], int]) bool {
		held++
		got, ok := tb.LoadSeq(9, s.Seq)
		assert.True(t, ok)
		assert.Equal(t, s, got)
		return true
	})
	assert.Equal(t, held, tb.Len())
}

// TestFirstCollisionRacesWrites starts writers of keys sharing one hash on
// a fresh table at once. Store skips its marker check while no group
// exists, so a writer may meet the first group's marker inside its map
// write: every key must still land in the group, counted once.
func TestFirstCollisionRacesWrites(t *testing.T) {
	const writers = 4
	for round := range 200 {
		tb := New[int, same[int], int]()
		var start, wg sync.WaitGroup
		start.Add(1)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				tb.Store(7, Slot[same[int], int]{Name: same[int]{w}, Seq: uint64(w + 1), Value: w})
			}()
		}
		start.Done()
		wg.Wait()
		require.Equal(t, int64(writers), tb.Len(), "round %d", round)
		require.Equal(t, int64(writers), tb.Collisions(), "round %d", round)
		for w := range writers {
			s, ok := load(tb, 7, ptr(w))
			require.True(t, ok, "round %d: key %d lost", round, w)
			require.Equal(t, w, s.Value)
		}
	}
}

func TestRemoveRespectsAccept(t *testing.T) {
	tb := New[string, same[string], int]()
	tb.Store(1, Slot[same[string], int]{Name: same[string]{"a"}, Seq: 1})
	tb.Store(1, Slot[same[string], int]{Name: same[string]{"b"}, Seq: 2})
	never := func(Slot[same[string], int]) bool { return false }
	for _, k := range []string{"a", "b"} {
		_, removed := tb.Remove(1, k, never)
		assert.False(t, removed)
	}
	_, removed := tb.RemoveSeq(1, 2, never)
	assert.False(t, removed)
	assert.Equal(t, int64(2), tb.Len())
}

// TestLenNeverNegative races inserts against removals of the same keys and
// samples Len throughout.
func TestLenNeverNegative(t *testing.T) {
	tb := New[int, same[int], int]()
	var stop atomic.Bool
	var negative atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if tb.Len() < 0 {
				negative.Add(1)
			}
		}
	}()
	var writers sync.WaitGroup
	for g := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range 20_000 {
				k := i % 8
				h := uint64(k % 2) // two hashes, four keys: lone keys and collision groups
				if g%2 == 0 {
					tb.Store(h, Slot[same[int], int]{Name: same[int]{k}, Seq: uint64(g*100_000 + i + 1)}) // seq 0 is reserved
				} else {
					tb.Remove(h, k, func(Slot[same[int], int]) bool { return true })
				}
			}
		}()
	}
	writers.Wait()
	stop.Store(true)
	wg.Wait()
	assert.Zero(t, negative.Load())
	n := int64(0)
	tb.Range(func(Slot[same[int], int]) bool { n++; return true })
	assert.Equal(t, n, tb.Len(), "quiescent count is exact")
}

func TestLoadAllocatesNothing(t *testing.T) {
	tb := New[string, same[string], int]()
	tb.Store(3, Slot[same[string], int]{Name: same[string]{"a"}, Seq: 1})
	tb.Store(3, Slot[same[string], int]{Name: same[string]{"b"}, Seq: 2})
	a, b := "a", "b"
	allocs := testing.AllocsPerRun(100, func() {
		load(tb, 3, &a)
		load(tb, 3, &b)
		tb.LoadSeq(3, 2)
	})
	assert.Zero(t, allocs)
}

// ptr returns a pointer to a copy of v, for load's key.
func ptr[T any](v T) *T { return &v }

// TestProbeHoldsOnlyItsKey checks the two ways in a lookup takes: Probe
// alone answers for a hash one key holds, LoadShared finds a key whose hash
// is shared, and another key's slot or an empty hash is a miss either way.
func TestProbeHoldsOnlyItsKey(t *testing.T) {
	tb := New[string, same[string], int]()
	tb.Store(1, Slot[same[string], int]{Name: same[string]{"alone"}, Seq: 1, Value: 10})
	tb.Store(2, Slot[same[string], int]{Name: same[string]{"first"}, Seq: 2, Value: 20})
	tb.Store(2, Slot[same[string], int]{Name: same[string]{"second"}, Seq: 3, Value: 30}) // hash 2 now has a group
	for _, tc := range []struct {
		name  string
		h     uint64
		key   string
		holds bool // the probe alone answers
		found bool // the lookup finds the key
	}{
		{"a hash with one key", 1, "alone", true, true},
		{"another key with that hash", 1, "other", false, false},
		{"a shared hash: the marker holds no key", 2, "first", false, true},
		{"a shared hash, a key not in its group", 2, "third", false, false},
		{"a hash with nothing", 3, "none", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probed, ok := tb.Probe(tc.h)
			assert.Equal(t, tc.holds, ok && probed.Seq != 0 && probed.Name.Names(tc.key))
			loaded, found := load(tb, tc.h, &tc.key)
			assert.Equal(t, tc.found, found)
			if tc.holds {
				assert.Equal(t, loaded, probed)
			}
			if !ok {
				assert.False(t, found, "nothing probed, yet the lookup found the key")
			}
		})
	}
}
