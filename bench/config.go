package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// suiteConfig holds the sizes every workload reads. Build one with
// loadSuiteConfig; the zero value has no sizes.
type suiteConfig struct {
	quick bool // BENCH_QUICK=1: small defaults so the whole suite fits in CI

	hotKeys       int     // keys held by ReadHit, Mixed, Resolve and TailLatency
	zipfS         float64 // skew of the Zipf key choice (s > 1)
	streamLength  int     // precomputed key indexes per goroutine (rounded up to a power of two)
	churnKeys     int     // distinct keys written by SetChurn
	churnCapacity int     // capacity of every bounded cache in SetChurn
	memoryEntries int     // entries held when measuring bytes per entry
	overwrites    int     // overwrites of one key when measuring heap growth
	pruneHeld     []int   // entries held by the Prune workload, one run a size
	pruneExpired  int     // entries that expire before each Prune
	stallEntries  int     // entries expiring together in WriterStall
	collideKeys   []int   // colliding keys of the Collide workload, one run a count
	caches        string  // comma-separated cache names to run; "" runs all
	tailCaches    string  // comma-separated caches measured by TailLatency

	ttl  time.Duration // lifetime of every write: long enough that nothing expires by wall time mid-run
	seed uint64        // seeds key, route and schedule generation, so runs compare
}

// configVariable names one environment variable with its full-run and
// quick-mode defaults.
type configVariable struct {
	name        string
	fullDefault string
	quick       string
}

// configVariables lists every BENCH_* variable the suite reads. The sizes of
// the full run are the ones the README's numbers come from.
func configVariables() []configVariable {
	return []configVariable{
		{"BENCH_HOT_KEYS", "100000", "50000"},
		{"BENCH_ZIPF_S", "1.01", "1.01"},
		{"BENCH_STREAM_LENGTH", "262144", "65536"},
		{"BENCH_CHURN_KEYS", "1000000", "200000"},
		{"BENCH_CHURN_CAPACITY", "100000", "20000"},
		{"BENCH_MEMORY_ENTRIES", "1000000", "100000"},
		{"BENCH_OVERWRITES", "2000000", "200000"},
		{"BENCH_PRUNE_HELD", "10000,100000,1000000", "10000"},
		{"BENCH_PRUNE_EXPIRED", "1000", "1000"},
		{"BENCH_STALL_ENTRIES", "1000000", "50000"},
		{"BENCH_COLLIDE_KEYS", "2000,10000", "2000"},
		{"BENCH_CACHES", "", "routecache,floor,floorget,floorevict,xsyncmap,otter"}, // quick: the caches the targets name
		{"BENCH_TAIL_CACHES", "routecache,otter,floor,floorget", "routecache,otter,floor,floorget"},
	}
}

// loadSuiteConfig reads the BENCH_* environment variables. BENCH_QUICK=1
// switches every unset variable to its quick-mode default; a variable that is
// set always wins.
func loadSuiteConfig() (suiteConfig, error) {
	quick := os.Getenv("BENCH_QUICK") == "1"
	values := make(map[string]string)
	for _, v := range configVariables() {
		value, set := os.LookupEnv(v.name)
		switch {
		case set:
		case quick:
			value = v.quick
		default:
			value = v.fullDefault
		}
		values[v.name] = value
	}

	cfg := suiteConfig{
		quick:      quick,
		caches:     values["BENCH_CACHES"],
		tailCaches: values["BENCH_TAIL_CACHES"],
		ttl:        30 * time.Minute,
		seed:       0x5eed_2013,
	}
	sizes := []struct {
		name string
		dst  *int
		min  int
	}{
		{"BENCH_HOT_KEYS", &cfg.hotKeys, 10},
		{"BENCH_STREAM_LENGTH", &cfg.streamLength, 1},
		{"BENCH_CHURN_KEYS", &cfg.churnKeys, 10},
		{"BENCH_CHURN_CAPACITY", &cfg.churnCapacity, 1},
		{"BENCH_MEMORY_ENTRIES", &cfg.memoryEntries, 1},
		{"BENCH_OVERWRITES", &cfg.overwrites, 1},
		{"BENCH_PRUNE_EXPIRED", &cfg.pruneExpired, 1},
		{"BENCH_STALL_ENTRIES", &cfg.stallEntries, 1},
	}
	for _, size := range sizes {
		n, err := strconv.Atoi(values[size.name])
		if err != nil || n < size.min {
			return suiteConfig{}, fmt.Errorf("%s=%q: want an integer of at least %d", size.name, values[size.name], size.min)
		}
		*size.dst = n
	}
	lists := []struct {
		name string
		dst  *[]int
		min  int
	}{
		{"BENCH_PRUNE_HELD", &cfg.pruneHeld, 2},
		{"BENCH_COLLIDE_KEYS", &cfg.collideKeys, 1},
	}
	for _, list := range lists {
		for _, field := range strings.Split(values[list.name], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || n < list.min {
				return suiteConfig{}, fmt.Errorf("%s=%q: want integers of at least %d, separated by commas", list.name, values[list.name], list.min)
			}
			*list.dst = append(*list.dst, n)
		}
	}
	s, err := strconv.ParseFloat(values["BENCH_ZIPF_S"], 64)
	if err != nil || s <= 1 {
		return suiteConfig{}, fmt.Errorf("BENCH_ZIPF_S=%q: want a number above 1", values["BENCH_ZIPF_S"])
	}
	cfg.zipfS = s
	for _, held := range cfg.pruneHeld {
		if held%cfg.pruneExpired != 0 || held == cfg.pruneExpired {
			return suiteConfig{}, fmt.Errorf("BENCH_PRUNE_HELD=%d must be a multiple of BENCH_PRUNE_EXPIRED=%d and larger", held, cfg.pruneExpired)
		}
	}
	return cfg, nil
}
