package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Config is every knob of a load run; the report carries it as run. Start
// from defaultConfig, which is what the command runs with no flags.
type Config struct {
	Duration       time.Duration `json:"duration_ns"`       // how long the workers run
	Workers        int           `json:"workers"`           // goroutines issuing operations
	Sessions       int           `json:"sessions"`          // distinct conversations: room keys and thread keys together
	Channels       int           `json:"channels"`          // channel types the bridges are spread over
	RoomsPerBridge int           `json:"rooms_per_bridge"`  // rooms served by one bridge
	ThreadsPerRoom int           `json:"threads_per_room"`  // threads in a room, besides the room itself
	Upstreams      int           `json:"upstreams"`         // routes to choose from
	Mix            mix           `json:"mix"`               // share of each operation
	Zipf           float64       `json:"zipf"`              // popularity exponent s of the conversations; > 1
	BurstEvery     time.Duration `json:"burst_every_ns"`    // period of the bursts of new conversations; 0: steady traffic
	BurstLength    time.Duration `json:"burst_length_ns"`   // how long a burst lasts; < BurstEvery
	Regulars       int           `json:"regulars"`          // conversations that talk between bursts; 0: half the capacity
	TTL            time.Duration `json:"ttl_ns"`            // the cache's default route lifetime
	PruneInterval  time.Duration `json:"prune_interval_ns"` // the cache's background sweep period; 0: none
	Shards         int           `json:"shards"`            // the cache's shard count
	Capacity       int           `json:"capacity"`          // the cache's MaxEntriesPerShard; 0: Sessions/16 over the shards
	SampleEvery    int           `json:"sample_every"`      // one operation in SampleEvery is timed
	StatusInterval time.Duration `json:"status_interval_ns"`
	Seed           uint64        `json:"seed"` // seed of every random stream of the workload
}

// defaultConfig is a short, busy day for a proxy, compressed into ten seconds
// on all cores: a million conversations, of which the regulars fit in a cache
// that holds a sixteenth of them, a burst of new conversations every few
// seconds that overflows it (evictions), and a TTL short enough that routes
// expire between bursts (expirations).
func defaultConfig() Config {
	procs := runtime.GOMAXPROCS(0)
	return Config{
		Duration:       10 * time.Second,
		Workers:        procs,
		Sessions:       1_000_000,
		Channels:       4,
		RoomsPerBridge: 500,
		ThreadsPerRoom: 4,
		Upstreams:      32,
		Mix:            defaultMix(),
		Zipf:           1.1,
		BurstEvery:     3 * time.Second,
		BurstLength:    500 * time.Millisecond,
		TTL:            time.Second,
		PruneInterval:  250 * time.Millisecond,
		Shards:         max(2, 2*procs),
		SampleEvery:    16,
		StatusInterval: time.Second,
		Seed:           1,
	}
}

// withDerived returns c with Capacity and Regulars filled in when they are
// 0: the cache holds a sixteenth of the conversations, so a burst overflows
// it, and the regulars fill half of it, so between bursts routes leave by
// expiry rather than eviction.
func (c Config) withDerived() Config {
	if c.Capacity == 0 {
		c.Capacity = max(1, c.Sessions/16/c.Shards)
	}
	if c.Regulars == 0 {
		c.Regulars = max(1, min(c.Sessions, c.Capacity*c.Shards/2))
	}
	return c
}

// rooms is how many rooms the sessions fill: each room is one session for
// itself and one per thread; the last room may have fewer threads.
func (c Config) rooms() int {
	return (c.Sessions + c.ThreadsPerRoom) / (c.ThreadsPerRoom + 1)
}

// bridges is how many bridges serve the rooms.
func (c Config) bridges() int {
	return (c.rooms() + c.RoomsPerBridge - 1) / c.RoomsPerBridge
}

// wave is the run's traffic shape.
func (c Config) wave() wave {
	return wave{every: c.BurstEvery, length: c.BurstLength}
}

// errInvalidConfig is wrapped by every error of validate, so the command can
// tell a usage error (exit status 2) from a failed run.
var errInvalidConfig = errors.New("invalid configuration")

// validate reports the first knob that is out of range, naming its flag. The
// upper bounds keep a mistyped flag from exhausting memory before the run
// starts; they are far above anything the tool is meant for.
func (c Config) validate() error {
	checks := []struct {
		ok   bool
		flag string
		want string
	}{
		{c.Duration > 0, "duration", "positive"},
		{c.Workers >= 1 && c.Workers <= 1<<14, "workers", "in [1, 16384]"},
		{c.Sessions >= 1 && c.Sessions <= 1<<28, "sessions", "in [1, 2^28]"},
		{c.Channels >= 1 && c.Channels <= 1024, "channels", "in [1, 1024]"},
		{c.RoomsPerBridge >= 1, "rooms-per-bridge", "at least 1"},
		{c.ThreadsPerRoom >= 0 && c.ThreadsPerRoom < c.Sessions, "threads-per-room", "in [0, sessions)"},
		{c.Upstreams >= 2 && c.Upstreams <= 1<<16, "upstreams", "in [2, 65536] (a room move needs another upstream)"},
		{c.Zipf > 1 && c.Zipf <= 100, "zipf", "in (1, 100]"},
		{c.BurstEvery >= 0, "burst-every", ">= 0 (0: steady traffic)"},
		{c.BurstEvery == 0 || c.BurstLength > 0 && c.BurstLength < c.BurstEvery, "burst-length", "in (0, burst-every)"},
		{c.Regulars >= 0 && c.Regulars <= c.Sessions, "regulars", "in [0, sessions]"},
		{c.TTL > 0, "ttl", "positive"},
		{c.PruneInterval >= 0, "prune", ">= 0 (0: no background sweep)"},
		{c.Shards >= 1 && c.Shards <= 1<<16, "shards", "in [1, 65536]"},
		{c.Capacity >= 0, "capacity", ">= 0"},
		{c.SampleEvery >= 1, "sample", "at least 1"},
		{c.StatusInterval >= 0, "status", ">= 0 (0: no status line)"},
	}
	for _, check := range checks {
		if !check.ok {
			return fmt.Errorf("%w: -%s must be %s", errInvalidConfig, check.flag, check.want)
		}
	}
	return nil
}
