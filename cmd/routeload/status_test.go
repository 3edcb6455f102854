package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestStatusLinePhaseNamesTheIntervalsTraffic(t *testing.T) {
	s := statusLine{wave: wave{every: 3 * time.Second, length: 500 * time.Millisecond}}
	ms := time.Millisecond
	assert.Equal(t, "burst", s.phase(0, 1000*ms))
	assert.Equal(t, "calm", s.phase(1000*ms, 2000*ms))
	assert.Equal(t, "calm", s.phase(2000*ms, 3005*ms), "touching the next burst is not a burst")
	assert.Equal(t, "burst", s.phase(3005*ms, 4005*ms))
	assert.Equal(t, "steady", (&statusLine{}).phase(0, time.Second))
}
