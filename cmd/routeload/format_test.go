package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGroupDigits(t *testing.T) {
	tests := map[uint64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 123456: "123,456", 1234567: "1,234,567"}
	for n, want := range tests {
		assert.Equal(t, want, groupDigits(n))
	}
}

func TestHumanCount(t *testing.T) {
	tests := map[float64]string{0: "0", 999: "999", 1000: "1.00k", 2_412_000: "2.41M", 45_600_000: "45.6M", 3e9: "3.00G", 999_700: "1000k"}
	for n, want := range tests {
		assert.Equal(t, want, humanCount(n), "%g", n)
	}
}

func TestHumanNanos(t *testing.T) {
	tests := map[int64]string{87: "87ns", 1240: "1.24µs", 999_900: "1000µs", 3_100_000: "3.10ms", 2_000_000_000: "2.00s"}
	for ns, want := range tests {
		assert.Equal(t, want, humanNanos(ns), "%d", ns)
	}
}

func TestHumanBytes(t *testing.T) {
	tests := map[int64]string{512: "512 B", 2048: "2.0 KiB", 25 << 20: "25.0 MiB", -3 << 20: "-3.0 MiB"}
	for n, want := range tests {
		assert.Equal(t, want, humanBytes(n), "%d", n)
	}
}

func TestPercentAndShare(t *testing.T) {
	assert.Equal(t, "-", percent(1, 0))
	assert.Equal(t, "25.0%", percent(1, 4))
	assert.Zero(t, share(1, 0))
	assert.InDelta(t, 0.25, share(1, 4), 1e-12)
}

func TestSecondsRoundsToTheMillisecond(t *testing.T) {
	assert.Equal(t, "10.013s", seconds(10.013456))
	assert.Equal(t, "500ms", seconds(0.5))
	assert.Equal(t, "0s", seconds(0))
}
