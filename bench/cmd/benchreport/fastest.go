package main

import (
	"fmt"
	"slices"
)

// fastestPeers returns the n caches with the lowest median ns/op in
// workload, at the highest GOMAXPROCS the results have up to targetCPU,
// leaving out the excluded names.
func fastestPeers(r *results, workload string, n int, exclude []string) ([]string, error) {
	cpu := 0
	for _, c := range r.cpus() {
		if c <= targetCPU {
			cpu = c
		}
	}
	type ranked struct {
		name   string
		median float64
	}
	var peers []ranked
	for _, k := range r.keysOf(workload) {
		name := k.cacheName()
		if k.cpu != cpu || name == "" || slices.Contains(exclude, name) {
			continue
		}
		if m, ok := r.median(k, "ns/op"); ok {
			peers = append(peers, ranked{name, m})
		}
	}
	if len(peers) < n {
		return nil, fmt.Errorf("%s has %d peers at GOMAXPROCS=%d, want %d", workload, len(peers), cpu, n)
	}
	slices.SortStableFunc(peers, func(a, b ranked) int {
		switch {
		case a.median < b.median:
			return -1
		case a.median > b.median:
			return 1
		}
		return 0
	})
	names := make([]string, n)
	for i := range names {
		names[i] = peers[i].name
	}
	return names, nil
}
