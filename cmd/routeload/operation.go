package main

// operation is one kind of call the workload makes on the cache. The order is
// the order of the report's tables.
type operation int

const (
	// opResolve routes a message: Resolve with the room's fallback upstream,
	// the call a proxy makes for every request.
	opResolve operation = iota
	// opGet peeks at a conversation's route without a fallback, as an admin
	// view or a sticky-session check would.
	opGet
	// opSet records a conversation's route as the conversation starts: the
	// route its room currently has.
	opSet
	// opMove moves a room to another upstream: a Set on the room key with a
	// new route, so its threads follow once their own routes lapse.
	opMove
	// opDelete ends a conversation: Delete on its key.
	opDelete

	operationCount // number of operations; not an operation
)

// String returns the name the -mix flag and the report use for op.
func (op operation) String() string {
	switch op {
	case opResolve:
		return "resolve"
	case opGet:
		return "get"
	case opSet:
		return "set"
	case opMove:
		return "move"
	case opDelete:
		return "delete"
	}
	return "unknown"
}

// parseOperation is the inverse of operation.String.
func parseOperation(name string) (operation, bool) {
	for op := operation(0); op < operationCount; op++ {
		if op.String() == name {
			return op, true
		}
	}
	return 0, false
}

// lookup reports whether op answers with a route, so that its outcome is
// classified by source (exact, room, fallback, miss).
func (op operation) lookup() bool {
	return op == opResolve || op == opGet
}
