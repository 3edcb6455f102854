package main

import (
	"fmt"
	"testing"

	"github.com/c41db742/routecache"
	"github.com/stretchr/testify/require"
)

func roomKey(i int) routecache.Key {
	return routecache.Key{Channel: "telegram", Bridge: "bot", Room: fmt.Sprintf("room-%d", i)}
}

func TestRendezvousIgnoresThreadAndFlagOrder(t *testing.T) {
	forward := newRendezvous([]string{"a", "b", "c"})
	backward := newRendezvous([]string{"c", "b", "a"})
	for i := range 200 {
		room := roomKey(i)
		thread := room
		thread.Thread = fmt.Sprintf("thread-%d", i)
		require.Equal(t, forward.pick(room), forward.pick(thread), "a thread goes where its room goes")
		require.Equal(t, forward.pick(room), backward.pick(room), "the pick depends on names, not order")
	}
}

func TestRendezvousSpreadsRooms(t *testing.T) {
	const rooms = 3000
	r := newRendezvous([]string{"a", "b", "c"})
	counts := map[string]int{}
	for i := range rooms {
		counts[r.pick(roomKey(i))]++
	}
	// Each of three upstreams should get about a third; 25% to 42% is more
	// than five standard deviations of slack either way.
	for _, name := range []string{"a", "b", "c"} {
		require.Greater(t, counts[name], rooms/4, "upstream %s: %v", name, counts)
		require.Less(t, counts[name], rooms*42/100, "upstream %s: %v", name, counts)
	}
}

func TestRendezvousMovesOnlyTheRemovedUpstreamsRooms(t *testing.T) {
	before := newRendezvous([]string{"a", "b", "c", "d"})
	after := newRendezvous([]string{"a", "b", "d"})
	moved := 0
	for i := range 2000 {
		room := roomKey(i)
		was, is := before.pick(room), after.pick(room)
		if was != "c" {
			require.Equal(t, was, is, "room %d was not on the removed upstream and must stay", i)
			continue
		}
		require.NotEqual(t, "c", is)
		moved++
	}
	require.Positive(t, moved)
}

func TestRendezvousSecondChoiceIsWhereTheRoomGoesWithoutTheFirst(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	r := newRendezvous(names)
	for i := range 500 {
		room := roomKey(i)
		first, second := r.pickTwo(room)
		require.Equal(t, r.pick(room), first)
		require.NotEqual(t, first, second)
		var rest []string
		for _, name := range names {
			if name != first {
				rest = append(rest, name)
			}
		}
		require.Equal(t, newRendezvous(rest).pick(room), second, "room %d", i)
	}
}

func TestRendezvousSingleUpstream(t *testing.T) {
	r := newRendezvous([]string{"only"})
	first, second := r.pickTwo(roomKey(1))
	require.Equal(t, "only", first)
	require.Equal(t, "only", second)
}

func TestRendezvousAllocatesNothing(t *testing.T) {
	r := newRendezvous([]string{"a", "b", "c"})
	k := roomKey(7)
	require.Zero(t, testing.AllocsPerRun(100, func() { _, _ = r.pickTwo(k) }))
}
