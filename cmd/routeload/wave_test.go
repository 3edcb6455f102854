package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWaveBursting(t *testing.T) {
	w := wave{every: 3 * time.Second, length: 500 * time.Millisecond}
	tests := map[time.Duration]bool{
		0:                       true,
		499 * time.Millisecond:  true,
		500 * time.Millisecond:  false,
		2999 * time.Millisecond: false,
		3 * time.Second:         true,
		3400 * time.Millisecond: true,
		3600 * time.Millisecond: false,
	}
	for elapsed, want := range tests {
		assert.Equal(t, want, w.bursting(elapsed), "%v", elapsed)
	}
	assert.False(t, wave{}.bursting(0), "the zero wave never bursts")
}

func TestWaveBurstTime(t *testing.T) {
	w := wave{every: 3 * time.Second, length: 500 * time.Millisecond}
	ms := time.Millisecond
	tests := []struct {
		from, to, want time.Duration
	}{
		{0, 1000 * ms, 500 * ms},
		{1000 * ms, 2000 * ms, 0},
		{2000 * ms, 3000 * ms, 0},
		{2500 * ms, 3200 * ms, 200 * ms},
		{3200 * ms, 4000 * ms, 300 * ms},
		{0, 10_000 * ms, 4 * 500 * ms},
		{400 * ms, 6100 * ms, 100*ms + 500*ms + 100*ms},
		{5 * ms, 5 * ms, 0},
	}
	for _, test := range tests {
		assert.Equal(t, test.want, w.burstTime(test.from, test.to), "[%v, %v)", test.from, test.to)
	}
	assert.Zero(t, wave{}.burstTime(0, time.Hour))
}
