package linearize

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// The sequential specification the histories are checked against: each key
// is an independent register that is either empty or holds one value. With
// a frozen clock and a capacity nothing reaches, that is all the SPEC lets
// the cache be for Set, Get, Delete and Resolve without fallbacks on a key
// without a thread (which never looks at a room and never stores).
//
// ResolveWith adds a loader whose answer is a function of the key alone:
// loadedValue for most keys, a failure for failingKey. An exact hit is a
// read; a loaded answer is a write of loadedValue (the cache stores it
// blindly, after a Set that came in meanwhile as well); a failed load is a
// read that found the key empty.

// opKind names the operations a history records.
type opKind int

const (
	opSet opKind = iota
	opGet
	opDelete
	opResolve
	opResolveWith
)

func (k opKind) String() string {
	return [...]string{"Set", "Get", "Delete", "Resolve", "ResolveWith"}[k]
}

// failingKey is the key whose load always fails.
const failingKey = 2

// loadedValue is what the loader gives the key: negative, so never a value
// a Set writes.
func loadedValue(key int) int { return -1 - key }

// opInput is what a client asked: the operation, the key's index and, for
// Set, the value.
type opInput struct {
	kind  opKind
	key   int
	value int
}

// opOutput is what the cache answered: the value and whether one was found
// (Get, Resolve, ResolveWith), whether it was loaded (ResolveWith), or
// whether Delete removed an entry.
type opOutput struct {
	value   int
	found   bool
	loaded  bool
	removed bool
}

// register is the state of one key.
type register struct {
	value int
	held  bool
}

// registerModel is the per-key register specification, partitioned by key:
// a history is linearizable if and only if each key's sub-history is.
func registerModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := make(map[int][]porcupine.Operation)
			var keys []int
			for _, op := range history {
				k := op.Input.(opInput).key
				if _, seen := byKey[k]; !seen {
					keys = append(keys, k)
				}
				byKey[k] = append(byKey[k], op)
			}
			parts := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				parts = append(parts, byKey[k])
			}
			return parts
		},
		Init: func() any { return register{} },
		Step: func(state, input, output any) (bool, any) {
			reg, in, out := state.(register), input.(opInput), output.(opOutput)
			switch in.kind {
			case opSet:
				return true, register{value: in.value, held: true}
			case opGet, opResolve:
				return out.found == reg.held && (!reg.held || out.value == reg.value), reg
			case opDelete:
				return out.removed == reg.held, register{}
			case opResolveWith:
				if out.loaded {
					return out.found && out.value == loadedValue(in.key), register{value: out.value, held: true}
				}
				return out.found == reg.held && (!reg.held || out.value == reg.value), reg
			}
			return false, reg
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(opInput), output.(opOutput)
			switch in.kind {
			case opSet:
				return fmt.Sprintf("Set(k%d, %d)", in.key, in.value)
			case opDelete:
				return fmt.Sprintf("Delete(k%d) -> %v", in.key, out.removed)
			}
			if !out.found {
				return fmt.Sprintf("%v(k%d) -> none", in.kind, in.key)
			}
			if out.loaded {
				return fmt.Sprintf("%v(k%d) -> loaded %d", in.kind, in.key, out.value)
			}
			return fmt.Sprintf("%v(k%d) -> %d", in.kind, in.key, out.value)
		},
		DescribeState: func(state any) string {
			if reg := state.(register); reg.held {
				return fmt.Sprint(reg.value)
			}
			return "empty"
		},
	}
}
