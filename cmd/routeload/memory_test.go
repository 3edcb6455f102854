package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestGCBetweenTakesTheLongestPauseOfTheCyclesInBetween(t *testing.T) {
	before := gcReading{cycles: 10, pauseTotal: 5 * time.Millisecond}
	after := gcReading{cycles: 13, pauseTotal: 9 * time.Millisecond}
	// Cycle n's pause sits at index (n+255)%256: cycles 11..13 at 10..12.
	after.recentPauses[9] = 900_000 // cycle 10, before the window
	after.recentPauses[10] = 100
	after.recentPauses[11] = 300
	after.recentPauses[12] = 200
	summary := gcBetween(before, after)
	assert.Equal(t, GCSummary{Cycles: 3, PauseTotal: int64(4 * time.Millisecond), PauseMax: 300}, summary)
}

func TestGCBetweenWrapsAroundTheRing(t *testing.T) {
	before := gcReading{cycles: 254}
	after := gcReading{cycles: 258}
	// Cycles 255..258 sit at indexes 254, 255, 0, 1.
	after.recentPauses[254] = 40
	after.recentPauses[255] = 70
	after.recentPauses[0] = 50
	after.recentPauses[1] = 60
	after.recentPauses[253] = 1_000 // cycle 254, before the window
	assert.Equal(t, int64(70), gcBetween(before, after).PauseMax)
}

func TestGCBetweenWithMoreCyclesThanTheRingHolds(t *testing.T) {
	after := gcReading{cycles: 1000}
	for i := range after.recentPauses {
		after.recentPauses[i] = uint64(i)
	}
	summary := gcBetween(gcReading{}, after)
	assert.Equal(t, uint32(1000), summary.Cycles)
	assert.Equal(t, int64(255), summary.PauseMax, "the whole ring is read once")
}
