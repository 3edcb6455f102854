package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Config is every knob of a load run. The zero value is not usable: start
// from defaultConfig, which is what the command runs with no flags.
type Config struct {
	Duration       time.Duration // how long the workers run
	Workers        int           // goroutines issuing operations
	Sessions       int           // distinct conversations: room keys and thread keys together
	Channels       int           // channel types the bridges are spread over
	RoomsPerBridge int           // rooms served by one bridge
	ThreadsPerRoom int           // threads in a room, besides the room itself
	Upstreams      int           // routes to choose from
	Mix            mix           // share of each operation
	Zipf           float64       // popularity exponent s of the conversations; > 1
	BurstEvery     time.Duration // period of the bursts of new conversations; 0: steady traffic
	BurstLength    time.Duration // how long a burst lasts; < BurstEvery
	Regulars       int           // conversations that talk between bursts; 0: derived from the capacity
	TTL            time.Duration // the cache's default route lifetime
	PruneInterval  time.Duration // the cache's background sweep period
	Shards         int           // the cache's shard count
	Capacity       int           // the cache's MaxEntriesPerShard; 0: derived from Sessions
	SampleEvery    int           // one operation in SampleEvery is timed
	StatusInterval time.Duration // period of the status line; 0: none
	Seed           uint64        // seed of every random stream of the workload
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
		Regulars:       0,
		TTL:            time.Second,
		PruneInterval:  250 * time.Millisecond,
		Shards:         max(2, 2*procs),
		Capacity:       0,
		SampleEvery:    16,
		StatusInterval: time.Second,
		Seed:           1,
	}
}

// capacityShareOfSessions is the part of the conversations the cache holds
// when Capacity is left at 0: a burst brings more new conversations than
// that within one TTL.
const capacityShareOfSessions = 16

// regularsShareOfCapacity is the part of the capacity the regulars fill when
// Regulars is left at 0: they fit with room to spare, so between bursts
// routes leave by expiry, not eviction.
const regularsShareOfCapacity = 2

// capacityPerShard is the MaxEntriesPerShard the run uses.
func (c Config) capacityPerShard() int {
	if c.Capacity > 0 {
		return c.Capacity
	}
	return max(1, c.Sessions/capacityShareOfSessions/c.Shards)
}

// regulars is how many conversations talk between bursts.
func (c Config) regulars() int {
	if c.Regulars > 0 {
		return c.Regulars
	}
	return max(1, min(c.Sessions, c.capacityPerShard()*c.Shards/regularsShareOfCapacity))
}

// wave is the run's traffic shape.
func (c Config) wave() wave {
	return wave{every: c.BurstEvery, length: c.BurstLength}
}

// rooms is how many rooms the sessions fill: each room is one session for
// itself and one per thread; the last room may have fewer threads.
func (c Config) rooms() int {
	perRoom := c.ThreadsPerRoom + 1
	return (c.Sessions + perRoom - 1) / perRoom
}

// bridges is how many bridges serve the rooms.
func (c Config) bridges() int {
	return (c.rooms() + c.RoomsPerBridge - 1) / c.RoomsPerBridge
}

// Limits that keep a mistyped flag from exhausting memory before the run
// starts; they are far above anything this tool is meant for.
const (
	maxSessions  = 1 << 28
	maxChannels  = 1024
	maxUpstreams = 1 << 16
	maxWorkers   = 1 << 14
	maxShards    = 1 << 16
)

// errInvalidConfig is wrapped by every error of Config.validate, so the
// command can tell a usage error (exit code 2) from a failed run.
var errInvalidConfig = errors.New("invalid configuration")

// validate reports the first knob that is out of range, naming its flag.
func (c Config) validate() error {
	bad := func(flag string, format string, args ...any) error {
		return fmt.Errorf("%w: -%s %s", errInvalidConfig, flag, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Duration <= 0:
		return bad("duration", "must be positive, not %v", c.Duration)
	case c.Workers < 1 || c.Workers > maxWorkers:
		return bad("workers", "must be in [1, %d], not %d", maxWorkers, c.Workers)
	case c.Sessions < 1 || c.Sessions > maxSessions:
		return bad("sessions", "must be in [1, %d], not %d", maxSessions, c.Sessions)
	case c.Channels < 1 || c.Channels > maxChannels:
		return bad("channels", "must be in [1, %d], not %d", maxChannels, c.Channels)
	case c.RoomsPerBridge < 1:
		return bad("rooms-per-bridge", "must be at least 1, not %d", c.RoomsPerBridge)
	case c.ThreadsPerRoom < 0 || c.ThreadsPerRoom >= c.Sessions:
		return bad("threads-per-room", "must be in [0, sessions), not %d", c.ThreadsPerRoom)
	case c.Upstreams < 2 || c.Upstreams > maxUpstreams:
		return bad("upstreams", "must be in [2, %d] (a room move needs another upstream), not %d", maxUpstreams, c.Upstreams)
	case !(c.Zipf > 1) || c.Zipf > 100:
		return bad("zipf", "must be in (1, 100], not %g", c.Zipf)
	case c.BurstEvery < 0:
		return bad("burst-every", "must be >= 0 (0: steady traffic), not %v", c.BurstEvery)
	case c.BurstEvery > 0 && (c.BurstLength <= 0 || c.BurstLength >= c.BurstEvery):
		return bad("burst-length", "must be in (0, burst-every), not %v", c.BurstLength)
	case c.Regulars < 0 || c.Regulars > c.Sessions:
		return bad("regulars", "must be in [0, sessions] (0: half the capacity), not %d", c.Regulars)
	case c.TTL <= 0:
		return bad("ttl", "must be positive, not %v", c.TTL)
	case c.PruneInterval < 0:
		return bad("prune", "must be >= 0 (0 turns the background sweep off), not %v", c.PruneInterval)
	case c.Shards < 1 || c.Shards > maxShards:
		return bad("shards", "must be in [1, %d], not %d", maxShards, c.Shards)
	case c.Capacity < 0:
		return bad("capacity", "must be >= 0 (0: sessions/%d spread over the shards), not %d", capacityShareOfSessions, c.Capacity)
	case c.SampleEvery < 1:
		return bad("sample", "must be at least 1, not %d", c.SampleEvery)
	case c.StatusInterval < 0:
		return bad("status", "must be >= 0 (0: no status line), not %v", c.StatusInterval)
	}
	var total float64
	for _, share := range c.Mix {
		if share < 0 {
			return bad("mix", "has a negative share")
		}
		total += share
	}
	if total < 0.999 || total > 1.001 {
		return bad("mix", "shares must sum to 1, not %g", total)
	}
	return nil
}
