package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// operation is one kind of call the workload makes on the cache, in the
// order of the report's table.
type operation int

const (
	opResolve operation = iota // route a message: Resolve with the room's fallback upstream
	opGet                      // peek at a route without fallback, as an admin view would
	opSet                      // a conversation starts: Set its room's current route
	opMove                     // a room moves to another upstream: Set on the room key
	opDelete                   // a conversation ends: Delete its key

	operationCount // number of operations; not an operation
)

// String returns the name the -mix flag and the report use for op.
func (op operation) String() string {
	return [operationCount]string{"resolve", "get", "set", "move", "delete"}[op]
}

// mix is the share of each operation in the workload. Shares are
// non-negative and sum to 1. It is the -mix flag's flag.Value and is written
// to JSON in the flag's syntax.
type mix [operationCount]float64

// defaultMix is a proxy's day: nine calls in ten route a message (mostly
// Resolve, a few Gets), one in ten comes from the control plane.
func defaultMix() mix {
	return mix{opResolve: 0.85, opGet: 0.05, opSet: 0.07, opMove: 0.02, opDelete: 0.01}
}

// String renders m in percent, as -mix reads it: "resolve=85,get=5,...".
func (m mix) String() string {
	parts := make([]string, 0, operationCount)
	for op := range operationCount {
		parts = append(parts, op.String()+"="+strconv.FormatFloat(m[op]*100, 'g', 4, 64))
	}
	return strings.Join(parts, ",")
}

// Set parses "name=weight,..." over the operation names. Weights are
// relative and normalised to shares; an operation left out gets none. On an
// error m is unchanged.
func (m *mix) Set(s string) error {
	var weights mix
	var total float64
	for _, part := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%q is not name=weight", part)
		}
		op := operation(0)
		for op < operationCount && op.String() != name {
			op++
		}
		if op == operationCount {
			return fmt.Errorf("unknown operation %q (want resolve, get, set, move or delete)", name)
		}
		weight, err := strconv.ParseFloat(value, 64)
		if err != nil || !(weight >= 0) || math.IsInf(weight, 0) {
			return fmt.Errorf("weight of %s must be a finite number >= 0, not %q", name, value)
		}
		weights[op] += weight
		total += weight
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return fmt.Errorf("weights must add up to a positive finite number")
	}
	for op := range weights {
		weights[op] /= total
	}
	*m = weights
	return nil
}

// MarshalText writes m as String does, so the report's JSON reads as -mix.
func (m mix) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (m *mix) UnmarshalText(text []byte) error { return m.Set(string(text)) }

// picker turns uniform 32-bit draws into operations in the proportions of a
// mix: a comparison per operation kind, no allocation. It is read-only and
// may be shared by goroutines.
type picker struct {
	// upTo[op] is the exclusive upper bound, in [0, 2^32], of the draws that
	// pick op; an operation without share has the bound of the one before.
	upTo [operationCount]uint64
}

func newPicker(m mix) picker {
	var p picker
	var cumulative float64
	last := operation(0)
	for op := range operationCount {
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
	for op := range operationCount - 1 {
		if uint64(u) < p.upTo[op] {
			return op
		}
	}
	return operationCount - 1
}
