package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/c41db742/routecache"
)

// smallPopulationConfig has a last room that is not full, and more channels
// than there are well-known names, so both edges are covered.
func smallPopulationConfig() Config {
	cfg := defaultConfig()
	cfg.Sessions = 1_003
	cfg.ThreadsPerRoom = 4
	cfg.RoomsPerBridge = 7
	cfg.Channels = 10
	cfg.Upstreams = 5
	return cfg.withDerived()
}

func TestPopulationShape(t *testing.T) {
	cfg := smallPopulationConfig()
	p := newPopulation(cfg)
	assert.Len(t, p.roomKeys, 201, "1,003 sessions in rooms of 5 fill 201 rooms")
	assert.Equal(t, 29, cfg.bridges(), "201 rooms by 7 need 29 bridges")
	channels, bridges := map[string]bool{}, map[string]bool{}
	for _, k := range p.roomKeys {
		channels[k.Channel] = true
		bridges[k.Bridge] = true
	}
	assert.Len(t, channels, 10)
	assert.Len(t, bridges, 29)
}

func TestPopulationKeysAreDistinctAndValid(t *testing.T) {
	cfg := smallPopulationConfig()
	p := newPopulation(cfg)
	seen := map[routecache.Key]int{}
	for s := range cfg.Sessions {
		k := p.key(s)
		require.NotEmpty(t, k.Channel)
		require.NotEmpty(t, k.Bridge)
		require.NotEmpty(t, k.Room)
		parsed, err := routecache.ParseKey(k.String())
		require.NoError(t, err, "session %d", s)
		require.Equal(t, k, parsed)
		if previous, ok := seen[k]; ok {
			t.Fatalf("sessions %d and %d share the key %v", previous, s, k)
		}
		seen[k] = s
	}
}

func TestPopulationSessionsGroupByRoom(t *testing.T) {
	p := newPopulation(smallPopulationConfig())
	// Session 10 is room 2 itself; 11..14 are its threads.
	room := p.key(10)
	assert.Empty(t, room.Thread)
	for s := 11; s <= 14; s++ {
		thread := p.key(s)
		assert.NotEmpty(t, thread.Thread)
		assert.Equal(t, room, thread.RoomScope(), "session %d is a thread of room 2", s)
		assert.Equal(t, p.fallbackRoute(10), p.fallbackRoute(s), "a room and its threads share a fallback")
	}
	assert.NotEqual(t, room, p.key(15).RoomScope(), "session 15 opens room 3")
}

func TestPopulationMoveChangesTheRoute(t *testing.T) {
	p := newPopulation(smallPopulationConfig())
	session := 12
	room := p.roomOf(session)
	assert.Equal(t, p.fallbackRoute(session), p.currentRoute(session), "a room starts on its fallback")
	for draw := range uint32(20) {
		before := p.currentRoute(session)
		key, route := p.move(room, draw)
		assert.Equal(t, p.roomKeys[room], key)
		assert.NotEqual(t, before, route, "draw %d", draw)
		assert.Equal(t, route, p.currentRoute(session), "the room's threads start on the new route")
	}
}
