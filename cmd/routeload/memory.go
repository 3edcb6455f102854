package main

import (
	"runtime"
	"time"
)

// gcReading is the collector's counters at one moment.
type gcReading struct {
	cycles     uint32
	pauseTotal time.Duration
	// recentPauses are the pauses of the last len(MemStats.PauseNs) cycles,
	// indexed as MemStats.PauseNs is.
	recentPauses [256]uint64
}

// readGC reads the collector's counters. It stops the world for a moment,
// as runtime.ReadMemStats does; it triggers no collection.
func readGC() gcReading {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return gcReading{cycles: stats.NumGC, pauseTotal: time.Duration(stats.PauseTotalNs), recentPauses: stats.PauseNs}
}

// GCSummary is what the collector did between two readings.
type GCSummary struct {
	Cycles     uint32 `json:"cycles"`
	PauseTotal int64  `json:"pause_total_ns"`
	// PauseMax is the longest pause among the cycles in between, or among the
	// last 256 of them when there were more (the runtime keeps no more).
	PauseMax int64 `json:"pause_max_ns"`
}

// gcBetween summarises the collections from before to after.
func gcBetween(before, after gcReading) GCSummary {
	summary := GCSummary{
		Cycles:     after.cycles - before.cycles,
		PauseTotal: int64(after.pauseTotal - before.pauseTotal),
	}
	seen := min(summary.Cycles, uint32(len(after.recentPauses)))
	for i := uint32(0); i < seen; i++ {
		// Cycle n's pause is at index (n+255)%256, so the latest is at
		// (cycles+255)%256.
		pause := after.recentPauses[(after.cycles-i+255)%uint32(len(after.recentPauses))]
		summary.PauseMax = max(summary.PauseMax, int64(pause))
	}
	return summary
}

// liveHeap collects garbage and returns the bytes of live heap objects. It
// costs two full collections: objects kept by a finalizer or by sync.Pool's
// victim cache survive the first.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}
