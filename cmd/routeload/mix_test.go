package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMixSetNormalisesWeights(t *testing.T) {
	var m mix
	require.NoError(t, m.Set("resolve=6, get=2,set=1,move=1"))
	assert.InDelta(t, 0.6, m[opResolve], 1e-12)
	assert.InDelta(t, 0.2, m[opGet], 1e-12)
	assert.InDelta(t, 0.1, m[opSet], 1e-12)
	assert.InDelta(t, 0.1, m[opMove], 1e-12)
	assert.Zero(t, m[opDelete], "an operation left out gets no share")
}

func TestMixStringRoundTrips(t *testing.T) {
	m := defaultMix()
	assert.Equal(t, "resolve=85,get=5,set=7,move=2,delete=1", m.String())
	var parsed mix
	require.NoError(t, parsed.Set(m.String()))
	for op := range operationCount {
		assert.InDelta(t, m[op], parsed[op], 1e-12, op.String())
	}
}

func TestMixSetRejects(t *testing.T) {
	tests := []struct {
		input string
		want  string
	}{
		{"resolve", "not name=weight"},
		{"resolve=1,lookup=2", `unknown operation "lookup"`},
		{"resolve=-1", "finite number >= 0"},
		{"resolve=NaN", "finite number >= 0"},
		{"resolve=Inf", "finite number >= 0"},
		{"resolve=lots", "finite number >= 0"},
		{"resolve=0,get=0", "positive"},
		{"", "not name=weight"},
	}
	for _, test := range tests {
		t.Run(test.input, func(t *testing.T) {
			m := defaultMix()
			err := m.Set(test.input)
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.want)
			assert.Equal(t, defaultMix(), m, "a rejected value leaves the mix as it was")
		})
	}
}

// pickShares draws every 2^12-th 32-bit number, an even grid over the whole
// range, and returns the share of each operation picked.
func pickShares(p picker) [operationCount]float64 {
	const step = 1 << 12
	var counts [operationCount]float64
	for u := uint64(0); u < 1<<32; u += step {
		counts[p.pick(uint32(u))]++
	}
	for op := range counts {
		counts[op] /= (1 << 32) / step
	}
	return counts
}

func TestPickerFollowsTheMix(t *testing.T) {
	m := defaultMix()
	shares := pickShares(newPicker(m))
	for op := range operationCount {
		assert.InDelta(t, m[op], shares[op], 1e-4, op.String())
	}
}

func TestPickerNeverPicksAnOperationWithoutShare(t *testing.T) {
	tests := []string{"resolve=1", "delete=1", "get=1,move=3", "set=1,delete=1"}
	for _, input := range tests {
		t.Run(input, func(t *testing.T) {
			var m mix
			require.NoError(t, m.Set(input))
			p := newPicker(m)
			shares := pickShares(p)
			for op := range operationCount {
				if m[op] == 0 {
					assert.Zero(t, shares[op], op.String())
				}
			}
			// The extreme draws land on operations that have a share.
			assert.NotZero(t, m[p.pick(0)])
			assert.NotZero(t, m[p.pick(math.MaxUint32)])
		})
	}
}
