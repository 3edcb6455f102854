package bench

import "testing"

func TestStreamsStayInRangeAndRoundUp(t *testing.T) {
	for name, s := range map[string]indexStreams{
		"zipf":    zipfStreams(3, 1000, 5000, 1.01, 1),
		"uniform": uniformStreams(3, 1000, 5000, 1),
	} {
		if len(s.streams) != 3 {
			t.Fatalf("%s: %d streams, want 3", name, len(s.streams))
		}
		for g, stream := range s.streams {
			if len(stream) != 1024 {
				t.Fatalf("%s: stream %d has length %d, want 1024", name, g, len(stream))
			}
			for _, index := range stream {
				if index >= 5000 {
					t.Fatalf("%s: index %d out of range", name, index)
				}
			}
		}
	}
}

// TestZipfStreamsAreSkewed checks the property the read workloads rely on:
// a few keys take most draws. With s = 1.01 over 100,000 keys the first 1 %
// of ranks draw well over half of the accesses; a uniform choice gives them
// about 1 %.
func TestZipfStreamsAreSkewed(t *testing.T) {
	const keys = 100_000
	head := func(s indexStreams) float64 {
		inHead, total := 0, 0
		for _, stream := range s.streams {
			for _, index := range stream {
				if index < keys/100 {
					inHead++
				}
				total++
			}
		}
		return float64(inHead) / float64(total)
	}
	if got := head(zipfStreams(2, 1<<16, keys, 1.01, 3)); got < 0.5 {
		t.Errorf("zipf: first 1%% of keys draw %.3f of accesses, want over 0.5", got)
	}
	if got := head(uniformStreams(2, 1<<16, keys, 3)); got > 0.02 {
		t.Errorf("uniform: first 1%% of keys draw %.3f of accesses, want about 0.01", got)
	}
}

func TestStreamsDifferPerGoroutine(t *testing.T) {
	s := uniformStreams(2, 256, 1<<20, 5)
	first, _ := s.stream(0)
	second, _ := s.stream(1)
	same := 0
	for i := range first {
		if first[i] == second[i] {
			same++
		}
	}
	if same > 8 {
		t.Fatalf("two goroutines' streams agree at %d of %d positions", same, len(first))
	}
	wrapped, start := s.stream(2)
	if &wrapped[0] != &first[0] || start == 0 {
		t.Fatalf("goroutine 2 should reuse stream 0 at another offset, got start %d", start)
	}
}

func TestNextPowerOfTwo(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, 1}, {1, 1}, {2, 2}, {3, 4}, {1000, 1024}, {1024, 1024}} {
		if got := nextPowerOfTwo(tt.in); got != tt.want {
			t.Errorf("nextPowerOfTwo(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
