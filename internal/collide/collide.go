// Package collide computes distinct strings that share one XXH64 hash, for
// tests and benchmarks that play a client who chooses keys to collide.
//
// XXH64 consumes input of 32 bytes or more in 32-byte stripes, four 8-byte
// lanes each, and every lane's round, acc' = rotl(acc + lane*prime2, 31) *
// prime1, is a bijection of acc for a fixed lane and of the lane for a fixed
// acc. So for 64-byte inputs the first stripe may be anything, and the
// second stripe can be solved for, lane by lane, so that the four lane
// states after it equal fixed targets. Equal states and equal lengths give
// equal hashes: no search is involved, each string costs a few multiplies.
package collide

import (
	"encoding/binary"
	"math/bits"
)

const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727

	// Size is the length of every string Rooms returns: two stripes.
	Size = 64
)

// Rooms returns n distinct strings of Size bytes that all have the same
// XXH64 (seed 0). The seed picks the family: different seeds give different
// hashes. The strings hold arbitrary bytes, invalid UTF-8 included, as a
// client-chosen room id may. Cost: O(n) with no allocation beyond the
// strings.
func Rooms(n int, seed uint64) []string {
	target := laneStates(stripe(seed, 0), stripe(seed, 1))
	out := make([]string, n)
	for i := range out {
		first := stripe(seed, uint64(i)+2)
		after := laneStates(first, [4]uint64{})
		var second [4]uint64
		for lane := range second {
			second[lane] = solveLane(after.first[lane], target.second[lane])
		}
		var b [Size]byte
		for lane := 0; lane < 4; lane++ {
			binary.LittleEndian.PutUint64(b[8*lane:], first[lane])
			binary.LittleEndian.PutUint64(b[32+8*lane:], second[lane])
		}
		out[i] = string(b[:])
	}
	return out
}

// states holds the four lane states after the first and after the second
// stripe.
type states struct{ first, second [4]uint64 }

func laneStates(s1, s2 [4]uint64) states {
	p1, p2 := prime1, prime2 // variables: the sums wrap, as XXH64's do
	acc := [4]uint64{p1 + p2, p2, 0, -p1}
	var st states
	for lane := range acc {
		st.first[lane] = round(acc[lane], s1[lane])
		st.second[lane] = round(st.first[lane], s2[lane])
	}
	return st
}

func round(acc, lane uint64) uint64 {
	return bits.RotateLeft64(acc+lane*prime2, 31) * prime1
}

// solveLane returns the lane that takes acc to want in one round.
func solveLane(acc, want uint64) uint64 {
	beforeMul := want * inverse(prime1)
	sum := bits.RotateLeft64(beforeMul, -31)
	return (sum - acc) * inverse(prime2)
}

// inverse returns the multiplicative inverse of an odd x modulo 2^64 by
// Newton's iteration: each step doubles the correct low bits (3, 6, ... 96).
func inverse(x uint64) uint64 {
	inv := x
	for range 5 {
		inv *= 2 - x*inv
	}
	return inv
}

// stripe derives 32 bytes from the seed and a counter with splitmix64, so
// that every first stripe, and so every string, differs.
func stripe(seed, counter uint64) [4]uint64 {
	var s [4]uint64
	state := seed ^ counter*0x9e3779b97f4a7c15
	for i := range s {
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		s[i] = z ^ z>>31
	}
	return s
}
