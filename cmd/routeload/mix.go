package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// mix is the share of each operation in the workload: the read/write mix.
// Shares are non-negative and sum to 1 once the mix has been set or built by
// defaultMix. It implements flag.Value for the -mix flag.
type mix [operationCount]float64

// defaultMix is a proxy's day: nine calls in ten route a message (mostly
// Resolve, a few Gets), one in ten comes from the control plane (conversations
// starting, rooms moving, conversations ending).
func defaultMix() mix {
	var m mix
	m[opResolve] = 0.85
	m[opGet] = 0.05
	m[opSet] = 0.07
	m[opMove] = 0.02
	m[opDelete] = 0.01
	return m
}

// String renders m as the -mix flag reads it, in percent, operations in
// report order: "resolve=85,get=5,set=7,move=2,delete=1".
func (m *mix) String() string {
	if m == nil {
		return ""
	}
	parts := make([]string, 0, operationCount)
	for op := operation(0); op < operationCount; op++ {
		parts = append(parts, op.String()+"="+strconv.FormatFloat(m[op]*100, 'g', 4, 64))
	}
	return strings.Join(parts, ",")
}

// Set parses "name=weight,..." with the names resolve, get, set, move and
// delete. Weights are relative (they are normalised to shares); an operation
// left out gets none. Every weight must be a finite number >= 0 and at least
// one must be positive.
func (m *mix) Set(s string) error {
	var weights mix
	var named [operationCount]bool
	var total float64
	for _, part := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%q is not name=weight", part)
		}
		op, ok := parseOperation(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("unknown operation %q (want resolve, get, set, move or delete)", name)
		}
		if named[op] {
			return fmt.Errorf("operation %q named twice", name)
		}
		named[op] = true
		weight, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || weight < 0 || math.IsInf(weight, 0) || math.IsNaN(weight) {
			return fmt.Errorf("weight of %s must be a finite number >= 0, not %q", name, value)
		}
		weights[op] = weight
		total += weight
	}
	if total <= 0 || math.IsInf(total, 0) {
		return fmt.Errorf("weights must add up to a positive finite number")
	}
	for op := range weights {
		weights[op] /= total
	}
	*m = weights
	return nil
}

// picker turns uniform random 32-bit numbers into operations in the
// proportions of a mix. Picking costs a comparison per operation kind and no
// allocation; a picker is read-only and may be shared by goroutines.
type picker struct {
	// upTo[op] is the exclusive upper bound, in [0, 2^32], of the draws that
	// pick op; an operation with no share has the bound of the one before it.
	upTo [operationCount]uint64
}

func newPicker(m mix) picker {
	var p picker
	var cumulative float64
	last := operation(0)
	for op := operation(0); op < operationCount; op++ {
		cumulative += m[op]
		p.upTo[op] = uint64(math.Round(cumulative * (1 << 32)))
		if m[op] > 0 {
			last = op
		}
	}
	// Rounding must not leave draws at the top that no operation takes.
	for op := last; op < operationCount; op++ {
		p.upTo[op] = 1 << 32
	}
	return p
}

// pick returns the operation for the draw u.
func (p *picker) pick(u uint32) operation {
	draw := uint64(u)
	for op := operation(0); op < operationCount-1; op++ {
		if draw < p.upTo[op] {
			return op
		}
	}
	return operationCount - 1
}
