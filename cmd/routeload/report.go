package main

import (
	"encoding/json"
	"io"
)

// Report is everything a load run measured. The -json flag prints it as
// JSON; without it, writeText renders the same figures for a person.
type Report struct {
	Environment Environment `json:"environment"`
	Workload    Workload    `json:"workload"`
	// Interrupted is true when the run was stopped before its duration.
	Interrupted    bool    `json:"interrupted"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	TotalOps       uint64  `json:"total_ops"`
	OpsPerSecond   float64 `json:"ops_per_second"`
	// Operations has one entry per operation kind, in the -mix order, those
	// with no share included (with zero counts).
	Operations []OperationReport `json:"operations"`
	Lookups    LookupReport      `json:"lookups"`
	Sampling   Sampling          `json:"latency_sampling"`
	Cache      CacheReport       `json:"cache"`
	Memory     MemoryReport      `json:"memory"`
}

// Environment says where the run happened.
type Environment struct {
	GoVersion  string `json:"go_version"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
}

// Workload echoes the knobs of the run and what they came to.
type Workload struct {
	DurationSeconds float64            `json:"duration_seconds"`
	Workers         int                `json:"workers"`
	Sessions        int                `json:"sessions"`
	Rooms           int                `json:"rooms"`
	Bridges         int                `json:"bridges"`
	Channels        int                `json:"channels"`
	RoomsPerBridge  int                `json:"rooms_per_bridge"`
	ThreadsPerRoom  int                `json:"threads_per_room"`
	Upstreams       int                `json:"upstreams"`
	Mix             map[string]float64 `json:"mix"`
	Zipf            float64            `json:"zipf"`
	// BurstEverySeconds is the period of the bursts of new conversations;
	// 0 when the traffic is steady.
	BurstEverySeconds  float64 `json:"burst_every_seconds"`
	BurstLengthSeconds float64 `json:"burst_length_seconds"`
	// BurstNewcomerShare is the part of a burst's draws that are new
	// conversations drawn uniformly from the population.
	BurstNewcomerShare float64 `json:"burst_newcomer_share"`
	// Regulars is how many of the most popular conversations talk between
	// bursts.
	Regulars int    `json:"regulars"`
	Seed     uint64 `json:"seed"`
}

// OperationReport is the throughput and latency of one operation kind.
type OperationReport struct {
	Name         string  `json:"name"`
	Count        uint64  `json:"count"`
	Share        float64 `json:"share"` // of TotalOps
	OpsPerSecond float64 `json:"ops_per_second"`
	// Failures counts calls that returned an error the workload never
	// provokes (an invalid key, a closed cache); it is 0 in a healthy run.
	Failures uint64         `json:"failures"`
	Latency  LatencySummary `json:"latency"`
}

// LookupReport classifies the answers of Resolve and Get. Total equals the
// sum of Exact, Room, Fallback and Miss.
type LookupReport struct {
	Total    uint64       `json:"total"`
	Exact    uint64       `json:"exact"`
	Room     uint64       `json:"room"`
	Fallback uint64       `json:"fallback"`
	Miss     uint64       `json:"miss"`
	Stale    uint64       `json:"stale"` // lookups that met an expired entry; also in one of the above
	Shares   LookupShares `json:"shares"`
}

// LookupShares are Exact, Room, Fallback and Miss as parts of Total; they sum
// to 1 when there was any lookup.
type LookupShares struct {
	Exact    float64 `json:"exact"`
	Room     float64 `json:"room"`
	Fallback float64 `json:"fallback"`
	Miss     float64 `json:"miss"`
}

// Sampling says how latency was measured.
type Sampling struct {
	// Every is the sampling period: one call in Every was timed.
	Every int `json:"every"`
	// TimedOps is the number of calls timed, all operations together.
	TimedOps uint64 `json:"timed_ops"`
	// ClockReadNs is what one clock read costs here. A timed call is
	// bracketed by two, and its latency includes them.
	ClockReadNs float64 `json:"clock_read_ns"`
}

// CacheReport is the cache's shape and its Stats at the end of the run.
type CacheReport struct {
	Shards               int     `json:"shards"`
	MaxEntriesPerShard   int     `json:"max_entries_per_shard"`
	Capacity             int     `json:"capacity"` // Shards × MaxEntriesPerShard
	TTLSeconds           float64 `json:"ttl_seconds"`
	PruneIntervalSeconds float64 `json:"prune_interval_seconds"` // 0: no background sweep
	Entries              int     `json:"entries"`
	Sets                 uint64  `json:"sets"`
	Hits                 uint64  `json:"hits"`
	RoomHits             uint64  `json:"room_hits"`
	FallbackHits         uint64  `json:"fallback_hits"`
	Misses               uint64  `json:"misses"`
	Stale                uint64  `json:"stale"`
	Evictions            uint64  `json:"evictions"`
	Expirations          uint64  `json:"expirations"`
}

// MemoryReport is the heap the cache holds at the end of the run and what
// the collector did during it.
type MemoryReport struct {
	// HeapBytes is the live heap after the run less the live heap before the
	// cache was created: the cache's own structures and its entries.
	HeapBytes int64 `json:"heap_bytes"`
	// HeapBytesPerEntry is HeapBytes over the entries held at the end; 0 when
	// none is held. The cache's tables are sized for the most it held, so
	// after a calm spell this is above what a full cache costs per entry.
	HeapBytesPerEntry float64 `json:"heap_bytes_per_entry"`
	// HeapBytesPerCapacity is HeapBytes over the capacity: what each entry
	// the cache may hold costs once it has been full, the figure for sizing.
	HeapBytesPerCapacity float64   `json:"heap_bytes_per_capacity"`
	GC                   GCSummary `json:"gc"`
}

// failures is the number of calls, all operations together, that returned
// an error the workload never provokes.
func (r Report) failures() uint64 {
	var total uint64
	for _, op := range r.Operations {
		total += op.Failures
	}
	return total
}

// writeJSON prints r as indented JSON followed by a newline.
func (r Report) writeJSON(w io.Writer) error {
	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	return encoder.Encode(r)
}
