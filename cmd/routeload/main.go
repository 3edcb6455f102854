// Command routeload runs a realistic routing workload on an embedded
// routecache: conversations across channels, bridges, rooms and threads with
// Zipf popularity, rooms that move, threads that resolve through their room,
// new conversations that resolve through a supplied fallback, a short TTL
// and a capacity small enough that routes expire and get evicted. It prints
// a status line a second and then a report of throughput, latency
// percentiles per operation, the cache's Stats, heap per entry and GC pauses
// (-json for the same report as JSON). From the repository root:
//
//	go run ./cmd/routeload
//
// Exit status: 0 after a report, 1 when the run or a call failed, 2 on a bad
// flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit statuses of the command.
const (
	exitOK    = 0
	exitError = 1 // the run could not be made, a call failed, or the report could not be written
	exitUsage = 2 // a bad flag or value
)

func main() {
	// An interrupt ends the run early; the report of what ran is printed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := runCommand(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runCommand is the whole command but for the process: it parses args, runs
// the workload, prints the report to stdout and status lines and errors to
// stderr, and returns the exit status.
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, asJSON, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage
	}
	report, err := run(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "routeload: %v\n", err)
		return exitError
	}
	if asJSON {
		err = report.writeJSON(stdout)
	} else {
		err = report.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "routeload: writing the report: %v\n", err)
		return exitError
	}
	// The workload only makes calls the cache must accept: a failure is a
	// fault of the cache, and a smoke run in CI should say so.
	if failed := report.failures(); failed > 0 {
		fmt.Fprintf(stderr, "routeload: %d calls failed unexpectedly (see the failures column)\n", failed)
		return exitError
	}
	return exitOK
}

// parseFlags reads args (without the program name) over defaultConfig. On a
// bad flag or value it writes a message naming the flag to stderr and
// returns an error; on -h it writes the usage and returns flag.ErrHelp.
func parseFlags(args []string, stderr io.Writer) (cfg Config, asJSON bool, err error) {
	cfg = defaultConfig()
	flags := flag.NewFlagSet("routeload", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), "routeload runs a routing workload on an embedded routecache and reports\n"+
			"throughput, latency percentiles, the cache's Stats and memory.\n\nusage: routeload [flags]\n")
		flags.PrintDefaults()
	}
	flags.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long to run")
	flags.IntVar(&cfg.Workers, "workers", cfg.Workers, "goroutines issuing operations; GOMAXPROCS unless set")
	flags.IntVar(&cfg.Sessions, "sessions", cfg.Sessions, "distinct conversations, room keys and thread keys together")
	flags.IntVar(&cfg.Sessions, "keys", cfg.Sessions, "the same as -sessions")
	flags.IntVar(&cfg.Channels, "channels", cfg.Channels, "channel types the bridges are spread over")
	flags.IntVar(&cfg.RoomsPerBridge, "rooms-per-bridge", cfg.RoomsPerBridge, "rooms served by one bridge")
	flags.IntVar(&cfg.ThreadsPerRoom, "threads-per-room", cfg.ThreadsPerRoom, "threads in each room besides the room itself")
	flags.IntVar(&cfg.Upstreams, "upstreams", cfg.Upstreams, "routes (upstream addresses) to choose from")
	flags.Var(&cfg.Mix, "mix", "relative weight of each operation: resolve (route a message, with a fallback),\n"+
		"get (peek, no fallback), set (a conversation starts), move (a room changes route),\ndelete (a conversation ends)")
	flags.Float64Var(&cfg.Zipf, "zipf", cfg.Zipf, "Zipf exponent of conversation popularity, > 1 (larger: fewer, hotter conversations)")
	flags.DurationVar(&cfg.BurstEvery, "burst-every", cfg.BurstEvery, "period of the bursts of new conversations; 0: steady traffic")
	flags.DurationVar(&cfg.BurstLength, "burst-length", cfg.BurstLength, "how long each burst lasts")
	flags.IntVar(&cfg.Regulars, "regulars", cfg.Regulars, "most popular conversations that talk between bursts; 0: half the capacity")
	flags.DurationVar(&cfg.TTL, "ttl", cfg.TTL, "route lifetime (the cache's TTL)")
	flags.DurationVar(&cfg.PruneInterval, "prune", cfg.PruneInterval, "background sweep period of expired routes; 0: none")
	flags.IntVar(&cfg.Shards, "shards", cfg.Shards, "cache shards; max(2, 2*GOMAXPROCS) unless set, as the cache's own")
	flags.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "most entries per shard; 0: sessions/16 over the shards, so evictions happen")
	flags.IntVar(&cfg.SampleEvery, "sample", cfg.SampleEvery, "time one call in this many (1: every call)")
	flags.DurationVar(&cfg.StatusInterval, "status", cfg.StatusInterval, "period of the status line on stderr; 0: none")
	flags.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the workload's random streams")
	flags.BoolVar(&asJSON, "json", false, "print the report as JSON")

	if err := flags.Parse(args); err != nil {
		return cfg, false, err // the flag package has printed the error and the usage
	}
	if flags.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q: routeload takes flags only", flags.Arg(0))
	} else {
		err = cfg.validate()
	}
	if err != nil {
		fmt.Fprintf(stderr, "routeload: %v (see -h)\n", err)
	}
	return cfg, asJSON, err
}
