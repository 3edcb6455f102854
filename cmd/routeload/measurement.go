package main

import (
	"runtime"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/c41db742/routecache"
)

// measurement is what run collected, before it is shaped into a Report.
type measurement struct {
	cfg         Config
	population  *population
	workers     []*worker // stopped: their fields are no longer written
	elapsed     time.Duration
	interrupted bool
	clockReadNs float64
	stats       routecache.Stats
	shards      int
	heapBytes   int64
	gc          GCSummary
}

// report merges the workers' counts and histograms and builds the Report.
// Merging happens here, once, so that recording never contended.
func (m measurement) report() Report {
	var counts, failures [operationCount]uint64
	var lookups outcomes
	var timed uint64
	var latency [operationCount]*hdrhistogram.Histogram
	for op := range latency {
		latency[op] = newLatencyHistogram()
	}
	for _, w := range m.workers {
		for op := range counts {
			counts[op] += w.counts[op]
			failures[op] += w.failures[op]
			latency[op].Merge(w.latency[op])
		}
		lookups.add(w.outcomes)
		timed += w.timed
	}

	var total uint64
	for _, n := range counts {
		total += n
	}
	elapsed := m.elapsed.Seconds()
	operations := make([]OperationReport, 0, operationCount)
	for op := range operationCount {
		operations = append(operations, OperationReport{
			Name:         op.String(),
			Count:        counts[op],
			Share:        share(counts[op], total),
			OpsPerSecond: float64(counts[op]) / elapsed,
			Failures:     failures[op],
			Latency:      summarizeLatency(latency[op]),
		})
	}
	lookupTotal := lookups.exact + lookups.room + lookups.fallback + lookups.miss
	mixShares := make(map[string]float64, operationCount)
	for op := range operationCount {
		mixShares[op.String()] = m.cfg.Mix[op]
	}
	perShard := m.cfg.capacityPerShard()
	var perEntry float64
	if m.stats.Entries > 0 {
		perEntry = float64(m.heapBytes) / float64(m.stats.Entries)
	}
	return Report{
		Environment: Environment{
			GoVersion:  runtime.Version(),
			GOOS:       runtime.GOOS,
			GOARCH:     runtime.GOARCH,
			NumCPU:     runtime.NumCPU(),
			GOMAXPROCS: runtime.GOMAXPROCS(0),
		},
		Workload: Workload{
			DurationSeconds:    m.cfg.Duration.Seconds(),
			Workers:            m.cfg.Workers,
			Sessions:           m.cfg.Sessions,
			Rooms:              len(m.population.roomKeys),
			Bridges:            m.population.bridges,
			Channels:           m.cfg.Channels,
			RoomsPerBridge:     m.cfg.RoomsPerBridge,
			ThreadsPerRoom:     m.cfg.ThreadsPerRoom,
			Upstreams:          m.cfg.Upstreams,
			Mix:                mixShares,
			Zipf:               m.cfg.Zipf,
			BurstEverySeconds:  m.cfg.BurstEvery.Seconds(),
			BurstLengthSeconds: m.cfg.BurstLength.Seconds(),
			BurstNewcomerShare: burstNewcomerShare,
			Regulars:           m.cfg.regulars(),
			Seed:               m.cfg.Seed,
		},
		Interrupted:    m.interrupted,
		ElapsedSeconds: elapsed,
		TotalOps:       total,
		OpsPerSecond:   float64(total) / elapsed,
		Operations:     operations,
		Lookups: LookupReport{
			Total:    lookupTotal,
			Exact:    lookups.exact,
			Room:     lookups.room,
			Fallback: lookups.fallback,
			Miss:     lookups.miss,
			Stale:    lookups.stale,
			Shares: LookupShares{
				Exact:    share(lookups.exact, lookupTotal),
				Room:     share(lookups.room, lookupTotal),
				Fallback: share(lookups.fallback, lookupTotal),
				Miss:     share(lookups.miss, lookupTotal),
			},
		},
		Sampling: Sampling{Every: m.cfg.SampleEvery, TimedOps: timed, ClockReadNs: m.clockReadNs},
		Cache: CacheReport{
			Shards:               m.shards,
			MaxEntriesPerShard:   perShard,
			Capacity:             m.shards * perShard,
			TTLSeconds:           m.cfg.TTL.Seconds(),
			PruneIntervalSeconds: m.cfg.PruneInterval.Seconds(),
			Entries:              m.stats.Entries,
			Sets:                 m.stats.Sets,
			Hits:                 m.stats.Hits,
			RoomHits:             m.stats.RoomHits,
			FallbackHits:         m.stats.FallbackHits,
			Misses:               m.stats.Misses,
			Stale:                m.stats.Stale,
			Evictions:            m.stats.Evictions,
			Expirations:          m.stats.Expirations,
		},
		Memory: MemoryReport{
			HeapBytes:            m.heapBytes,
			HeapBytesPerEntry:    perEntry,
			HeapBytesPerCapacity: float64(m.heapBytes) / float64(m.shards*perShard),
			GC:                   m.gc,
		},
	}
}
