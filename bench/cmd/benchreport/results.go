package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// sampleKey names one benchmark configuration: its workload (the top-level
// benchmark without "Benchmark"), its variant (the sub-benchmark, such as
// "cache=otter" or "path=exact") and its GOMAXPROCS.
type sampleKey struct {
	workload string
	variant  string
	cpu      int
}

// results holds every value of every run, by configuration and unit, with
// units as the benchmark printed them ("ns/op", "B/entry").
type results struct {
	samples map[sampleKey]map[string][]float64
	order   []sampleKey // first-seen order, which is the suite's order
	config  map[string]string
}

func newResults() *results {
	return &results{samples: make(map[sampleKey]map[string][]float64), config: make(map[string]string)}
}

// read adds the benchmark lines of one `go test -bench` output. Lines that
// are not benchmark results (PASS, ok, logs) are skipped; a malformed
// benchmark line is an error.
func (r *results) read(in io.Reader, fileName string) error {
	reader := benchfmt.NewReader(in, fileName)
	for reader.Scan() {
		switch rec := reader.Result().(type) {
		case *benchfmt.SyntaxError:
			return rec
		case *benchfmt.Result:
			r.add(rec)
		}
	}
	return reader.Err()
}

func (r *results) add(rec *benchfmt.Result) {
	for _, key := range []string{"cpu", "goos", "goarch", "pkg"} {
		if v := rec.GetConfig(key); v != "" {
			r.config[key] = v
		}
	}
	key := parseName(rec.Name)
	units, seen := r.samples[key]
	if !seen {
		units = make(map[string][]float64)
		r.samples[key] = units
		r.order = append(r.order, key)
	}
	for _, v := range rec.Values {
		unit, value := v.Unit, v.Value
		if v.OrigUnit != "" {
			unit, value = v.OrigUnit, v.OrigValue
		}
		units[unit] = append(units[unit], value)
	}
}

// parseName splits "ReadHit/cache=otter-2" into its workload, variant and
// GOMAXPROCS. The testing package omits the suffix when GOMAXPROCS is 1.
func parseName(name benchfmt.Name) sampleKey {
	base, parts := name.Parts()
	key := sampleKey{workload: string(base), cpu: 1}
	var variant []string
	for _, part := range parts {
		switch {
		case bytes.HasPrefix(part, []byte("/")):
			variant = append(variant, string(part[1:]))
		case bytes.HasPrefix(part, []byte("-")):
			if n, err := strconv.Atoi(string(part[1:])); err == nil {
				key.cpu = n
			}
		}
	}
	key.variant = strings.Join(variant, "/")
	return key
}

// median returns the median of a configuration's values in unit, and
// whether there were any.
func (r *results) median(key sampleKey, unit string) (float64, bool) {
	values := r.samples[key][unit]
	if len(values) == 0 {
		return 0, false
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid], true
	}
	return (sorted[mid-1] + sorted[mid]) / 2, true
}

// maximum returns the largest of a configuration's values in unit.
func (r *results) maximum(key sampleKey, unit string) (float64, bool) {
	values := r.samples[key][unit]
	if len(values) == 0 {
		return 0, false
	}
	return slices.Max(values), true
}

// runs returns how many runs a configuration has, counted on its first
// unit.
func (r *results) runs(key sampleKey) int {
	most := 0
	for _, values := range r.samples[key] {
		most = max(most, len(values))
	}
	return most
}

// workloads returns the workload names in suite order.
func (r *results) workloads() []string {
	var names []string
	for _, k := range r.order {
		if !slices.Contains(names, k.workload) {
			names = append(names, k.workload)
		}
	}
	return names
}

// keysOf returns a workload's configurations in suite order, sorted by cpu
// first so that each cpu's rows stay together.
func (r *results) keysOf(workload string) []sampleKey {
	var keys []sampleKey
	for _, k := range r.order {
		if k.workload == workload {
			keys = append(keys, k)
		}
	}
	slices.SortStableFunc(keys, func(a, b sampleKey) int { return a.cpu - b.cpu })
	return keys
}

// cpus returns the GOMAXPROCS values present, ascending.
func (r *results) cpus() []int {
	var cpus []int
	for _, k := range r.order {
		if !slices.Contains(cpus, k.cpu) {
			cpus = append(cpus, k.cpu)
		}
	}
	slices.Sort(cpus)
	return cpus
}

// cacheName returns the cache of a "cache=NAME" variant, or "".
func (k sampleKey) cacheName() string {
	name, ok := strings.CutPrefix(k.variant, "cache=")
	if !ok {
		return ""
	}
	return name
}

func (k sampleKey) String() string {
	return fmt.Sprintf("%s/%s cpu=%d", k.workload, k.variant, k.cpu)
}
