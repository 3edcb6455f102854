package main

import (
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestGCBetweenTakesTheLongestPauseOfTheCyclesInBetween(t *testing.T) {
	before := debug.GCStats{NumGC: 10, PauseTotal: 5 * time.Millisecond}
	// Most recent first: cycles 13, 12, 11, then 10, before the window.
	after := debug.GCStats{NumGC: 13, PauseTotal: 9 * time.Millisecond, Pause: []time.Duration{200, 300, 100, 900_000}}
	assert.Equal(t, GCSummary{Cycles: 3, PauseTotal: 4 * time.Millisecond, PauseMax: 300}, gcBetween(before, after))

	ring := debug.GCStats{NumGC: 1000, Pause: make([]time.Duration, 256)}
	ring.Pause[255] = 7
	assert.Equal(t, time.Duration(7), gcBetween(debug.GCStats{}, ring).PauseMax, "more cycles than the runtime keeps: all it keeps")
}
