package main

import (
	"runtime/debug"
	"time"
)

// GCSummary is what the collector did during the run.
type GCSummary struct {
	Cycles     int64         `json:"cycles"`
	PauseTotal time.Duration `json:"pause_total_ns"`
	// PauseMax is the longest pause of those cycles, or of the last 256 of
	// them when there were more: the runtime keeps no more.
	PauseMax time.Duration `json:"pause_max_ns"`
}

// gcBetween summarises the collections from before to after, two readings
// of debug.ReadGCStats.
func gcBetween(before, after debug.GCStats) GCSummary {
	summary := GCSummary{Cycles: after.NumGC - before.NumGC, PauseTotal: after.PauseTotal - before.PauseTotal}
	// after.Pause holds the most recent pauses first.
	for _, pause := range after.Pause[:min(int(summary.Cycles), len(after.Pause))] {
		summary.PauseMax = max(summary.PauseMax, pause)
	}
	return summary
}
