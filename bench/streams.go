package bench

import "math/rand/v2"

// indexStreams holds one precomputed slice of key indexes per goroutine, so
// the timed loops draw no random numbers and goroutines share no generator.
// Each slice's length is a power of two, so a loop wraps with a mask.
type indexStreams struct {
	streams [][]uint32
}

// zipfStreams returns count streams of length indexes (rounded up to a power
// of two) drawn from a Zipf distribution with skew s over [0, keys): index 0
// is the most popular. The keys are shuffled when generated, so popularity is
// independent of the key's shape and shard.
func zipfStreams(count, length, keys int, s float64, seed uint64) indexStreams {
	return fillStreams(count, length, seed, func(r *rand.Rand) func() uint32 {
		z := rand.NewZipf(r, s, 1, uint64(keys-1))
		return func() uint32 { return uint32(z.Uint64()) }
	})
}

// uniformStreams returns count streams of indexes drawn uniformly from
// [0, keys).
func uniformStreams(count, length, keys int, seed uint64) indexStreams {
	return fillStreams(count, length, seed, func(r *rand.Rand) func() uint32 {
		return func() uint32 { return uint32(r.IntN(keys)) }
	})
}

func fillStreams(count, length int, seed uint64, source func(*rand.Rand) func() uint32) indexStreams {
	length = nextPowerOfTwo(length)
	s := indexStreams{streams: make([][]uint32, count)}
	for g := range s.streams {
		next := source(rand.New(rand.NewPCG(seed, uint64(g)+1)))
		stream := make([]uint32, length)
		for i := range stream {
			stream[i] = next()
		}
		s.streams[g] = stream
	}
	return s
}

// stream returns goroutine g's indexes. With more goroutines than streams
// (RunParallel with SetParallelism), goroutines share streams but start at
// different offsets, returned as the second value.
func (s indexStreams) stream(g int) (indexes []uint32, start int) {
	indexes = s.streams[g%len(s.streams)]
	start = (g / len(s.streams)) * 7919 % len(indexes)
	return indexes, start
}

func nextPowerOfTwo(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}
