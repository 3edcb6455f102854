// Command routeload runs a realistic routing workload on an embedded
// routecache: many conversations across a few channels, bridges, rooms and
// threads with Zipf popularity, rooms that move, threads that resolve through
// their room, new conversations that resolve through a supplied fallback, a
// short TTL and a capacity small enough that routes expire and get evicted.
// It prints a status line a second and then a report of throughput, latency
// percentiles per operation, the cache's Stats, heap per entry and GC pauses
// (-json for the same report as JSON). Run it with no flags from the
// repository root:
//
//	go run ./cmd/routeload
//
// Exit status: 0 after a report, 1 when the run failed, 2 on a bad flag.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	// An interrupt ends the run early; the report of what ran is still
	// printed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := runCommand(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
