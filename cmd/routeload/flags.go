package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// options is what the command line asks for: the run's Config and how to
// print the report.
type options struct {
	config Config
	json   bool
}

// errUsage is wrapped by every error of parseFlags other than flag.ErrHelp:
// the command line was wrong, and the command exits with status 2.
var errUsage = errors.New("usage error")

// parseFlags reads args (without the program name) over the defaults. On a
// bad flag or value it writes a message naming the flag to stderr and returns
// an error wrapping errUsage; on -h or -help it writes the usage and returns
// flag.ErrHelp.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	opts := options{config: defaultConfig()}
	c := &opts.config
	flags := flag.NewFlagSet("routeload", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "routeload runs a routing workload on an embedded routecache and reports\n"+
			"throughput, latency percentiles, the cache's Stats and memory.\n\n"+
			"usage: routeload [flags]\n\nflags:\n")
		flags.PrintDefaults()
	}
	flags.DurationVar(&c.Duration, "duration", c.Duration, "how long to run")
	flags.IntVar(&c.Workers, "workers", c.Workers, "goroutines issuing operations; the default is GOMAXPROCS")
	flags.IntVar(&c.Sessions, "sessions", c.Sessions, "distinct conversations, room keys and thread keys together")
	flags.IntVar(&c.Channels, "channels", c.Channels, "channel types the bridges are spread over")
	flags.IntVar(&c.RoomsPerBridge, "rooms-per-bridge", c.RoomsPerBridge, "rooms served by one bridge")
	flags.IntVar(&c.ThreadsPerRoom, "threads-per-room", c.ThreadsPerRoom, "threads in each room besides the room itself")
	flags.IntVar(&c.Upstreams, "upstreams", c.Upstreams, "routes (upstream addresses) to choose from")
	flags.Var(&c.Mix, "mix", "relative weight of each operation: resolve (route a message, with a fallback),\n"+
		"get (peek, no fallback), set (a conversation starts), move (a room changes route),\n"+
		"delete (a conversation ends)")
	flags.Float64Var(&c.Zipf, "zipf", c.Zipf, "Zipf exponent of conversation popularity, > 1 (larger: fewer, hotter conversations)")
	flags.DurationVar(&c.BurstEvery, "burst-every", c.BurstEvery, "period of the bursts of new conversations; 0: steady traffic over the whole population")
	flags.DurationVar(&c.BurstLength, "burst-length", c.BurstLength, "how long each burst lasts")
	flags.IntVar(&c.Regulars, "regulars", c.Regulars,
		fmt.Sprintf("most popular conversations that talk between bursts; 0: 1/%d of the capacity", regularsShareOfCapacity))
	flags.DurationVar(&c.TTL, "ttl", c.TTL, "route lifetime (the cache's TTL)")
	flags.DurationVar(&c.PruneInterval, "prune", c.PruneInterval, "background sweep period of expired routes; 0: none")
	flags.IntVar(&c.Shards, "shards", c.Shards, "cache shards; the default is max(2, 2*GOMAXPROCS), as the cache's own")
	flags.IntVar(&c.Capacity, "capacity", c.Capacity,
		fmt.Sprintf("most entries per shard; 0: sessions/%d spread over the shards, so evictions happen", capacityShareOfSessions))
	flags.IntVar(&c.SampleEvery, "sample", c.SampleEvery, "time one call in this many (1: every call; each timed call pays two clock reads)")
	flags.DurationVar(&c.StatusInterval, "status", c.StatusInterval, "period of the status line on stderr; 0: none")
	flags.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the workload's random streams")
	flags.BoolVar(&opts.json, "json", false, "print the report as JSON")

	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return options{}, err
		}
		// The flag package has already printed the error and the usage.
		return options{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "routeload: unexpected argument %q: routeload takes flags only (see -h)\n", flags.Arg(0))
		return options{}, fmt.Errorf("%w: unexpected argument %q", errUsage, flags.Arg(0))
	}
	if err := c.validate(); err != nil {
		fmt.Fprintf(stderr, "routeload: %v (see -h)\n", err)
		return options{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	return opts, nil
}
