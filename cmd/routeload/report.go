package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/c41db742/routecache"
)

// Report is everything a load run measured. -json prints it as JSON;
// without it, writeText renders the same figures for a person.
type Report struct {
	Config      Config `json:"config"` // as run: Capacity and Regulars filled in
	GoVersion   string `json:"go_version"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	Interrupted bool   `json:"interrupted"` // stopped before Config.Duration

	Elapsed      time.Duration     `json:"elapsed_ns"`
	Ops          uint64            `json:"ops"` // every call, timed or not
	OpsPerSecond float64           `json:"ops_per_second"`
	Operations   []OperationReport `json:"operations"`    // one per operation kind, in -mix order
	ClockReadNs  float64           `json:"clock_read_ns"` // one clock read here; each latency includes two

	Stats   routecache.Stats `json:"stats"`   // the cache's counters when the workers stopped
	Lookups Lookups          `json:"lookups"` // Stats' lookup counters as shares

	// HeapBytes is the live heap after the run less the live heap before
	// the cache existed. Per entry held, it is above what a full cache
	// costs after a calm spell (the tables keep the size of the most held);
	// per entry of capacity (Shards × Capacity), it is what sizing needs.
	HeapBytes            int64     `json:"heap_bytes"`
	HeapBytesPerEntry    float64   `json:"heap_bytes_per_entry"` // 0 when no entry is held
	HeapBytesPerCapacity float64   `json:"heap_bytes_per_capacity"`
	GC                   GCSummary `json:"gc"`
}

// OperationReport is the throughput and latency of one operation kind.
type OperationReport struct {
	Name         string  `json:"name"`
	Count        uint64  `json:"count"`
	OpsPerSecond float64 `json:"ops_per_second"`
	// Failures counts calls that returned an error the workload never
	// provokes (an invalid key, a closed cache); 0 in a healthy run.
	Failures uint64  `json:"failures"`
	Latency  Latency `json:"latency"`
}

// Latency is the distribution of the timed calls of one operation, read
// from HdrHistogram with three significant digits.
type Latency struct {
	Samples int64         `json:"samples"`
	P50     time.Duration `json:"p50_ns"`
	P90     time.Duration `json:"p90_ns"`
	P99     time.Duration `json:"p99_ns"`
	P999    time.Duration `json:"p99_9_ns"`
	Max     time.Duration `json:"max_ns"`
}

// Lookups is how Resolve and Get were answered, as shares of all of them;
// the four sum to 1 when there was any lookup.
type Lookups struct {
	Exact    float64 `json:"exact"`    // a live route for the key itself (Hits)
	Room     float64 `json:"room"`     // a thread through its room (RoomHits)
	Fallback float64 `json:"fallback"` // the supplied fallback (FallbackHits)
	Miss     float64 `json:"miss"`     // nothing live (Misses)
}

// lookupsOf returns the shares of the lookups between two readings of Stats.
func lookupsOf(now, before routecache.Stats) Lookups {
	exact, room := now.Hits-before.Hits, now.RoomHits-before.RoomHits
	fallback, miss := now.FallbackHits-before.FallbackHits, now.Misses-before.Misses
	total := float64(exact + room + fallback + miss)
	if total == 0 {
		return Lookups{}
	}
	return Lookups{float64(exact) / total, float64(room) / total, float64(fallback) / total, float64(miss) / total}
}

// newReport merges the stopped workers' counts and histograms, once, so
// that recording never contended, and fills in what follows from them.
func newReport(cfg Config, workers []*worker, elapsed time.Duration, stats routecache.Stats) Report {
	r := Report{
		Config:     cfg,
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Elapsed:    elapsed,
		Stats:      stats,
		Lookups:    lookupsOf(stats, routecache.Stats{}),
	}
	for op := range operationCount {
		row := OperationReport{Name: op.String()}
		merged := newLatencyHistogram()
		for _, w := range workers {
			row.Count += w.counts[op]
			row.Failures += w.failures[op]
			merged.Merge(w.latency[op])
		}
		row.OpsPerSecond = float64(row.Count) / elapsed.Seconds()
		row.Latency = latencyOf(merged)
		r.Ops += row.Count
		r.Operations = append(r.Operations, row)
	}
	r.OpsPerSecond = float64(r.Ops) / elapsed.Seconds()
	return r
}

// latencyOf reads the percentiles of h, rounded to the three significant
// digits it keeps.
func latencyOf(h *hdrhistogram.Histogram) Latency {
	at := func(percentile float64) time.Duration {
		d := time.Duration(h.ValueAtQuantile(percentile))
		unit := time.Duration(1)
		for d/unit >= 1000 {
			unit *= 10
		}
		return d.Round(unit)
	}
	return Latency{Samples: h.TotalCount(), P50: at(50), P90: at(90), P99: at(99), P999: at(99.9), Max: at(100)}
}

// failures is the number of calls that returned an error the workload never
// provokes, all operations together.
func (r Report) failures() uint64 {
	var total uint64
	for _, op := range r.Operations {
		total += op.Failures
	}
	return total
}

// writeJSON prints r as indented JSON.
func (r Report) writeJSON(w io.Writer) error {
	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	return encoder.Encode(r)
}

// writeText prints r for a person: what ran, throughput and latency per
// operation, how lookups were answered, the cache's Stats and memory.
func (r Report) writeText(w io.Writer) error {
	c := r.Config
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(table, "routeload: %v on %d workers (GOMAXPROCS %d, %s), seed %d", r.Elapsed.Round(time.Millisecond), c.Workers, r.GOMAXPROCS, r.GoVersion, c.Seed)
	if r.Interrupted {
		fmt.Fprint(table, " (interrupted)")
	}
	fmt.Fprintf(table, "\nworkload: %d conversations in %d rooms of %d threads, %d bridges over %d channels, %d upstreams, zipf %g\n",
		c.Sessions, c.rooms(), c.ThreadsPerRoom, c.bridges(), c.Channels, c.Upstreams, c.Zipf)
	if c.BurstEvery > 0 {
		fmt.Fprintf(table, "traffic: %d regulars talk; every %v a burst of %v brings newcomers\n", c.Regulars, c.BurstEvery, c.BurstLength)
	} else {
		fmt.Fprint(table, "traffic: steady, every draw from the whole population\n")
	}
	fmt.Fprintf(table, "mix: %v\ncache: %d shards x %d entries, TTL %v, sweep every %v (0s: none)\n\n", c.Mix, c.Shards, c.Capacity, c.TTL, c.PruneInterval)
	fmt.Fprintf(table, "throughput: %d ops = %.0f ops/s\n", r.Ops, r.OpsPerSecond)
	fmt.Fprintf(table, "latency: 1 call in %d timed; each includes two clock reads of %.0f ns\n\n", c.SampleEvery, r.ClockReadNs)

	fmt.Fprintln(table, "operation\tops\tops/s\tp50\tp90\tp99\tp99.9\tmax\tfailures\t")
	for _, op := range r.Operations {
		l := op.Latency
		fmt.Fprintf(table, "%s\t%d\t%.0f\t%v\t%v\t%v\t%v\t%v\t%d\t\n", op.Name, op.Count, op.OpsPerSecond, l.P50, l.P90, l.P99, l.P999, l.Max, op.Failures)
	}
	l := r.Lookups
	fmt.Fprintf(table, "\nlookups: exact %.1f%%, room %.1f%%, fallback %.1f%%, miss %.1f%%\n", 100*l.Exact, 100*l.Room, 100*l.Fallback, 100*l.Miss)
	fmt.Fprintf(table, "stats: %+v\n", r.Stats)
	fmt.Fprintf(table, "memory: %.1f MiB of heap = %.0f B per entry held, %.0f B per entry of capacity\n",
		float64(r.HeapBytes)/(1<<20), r.HeapBytesPerEntry, r.HeapBytesPerCapacity)
	fmt.Fprintf(table, "gc: %d collections, pauses %v in total, %v the longest\n", r.GC.Cycles, r.GC.PauseTotal.Round(time.Microsecond), r.GC.PauseMax.Round(time.Microsecond))
	return table.Flush()
}
