package main

import (
	"fmt"
	"slices"
	"strings"
)

// reference is a configuration a table's ratio column divides by.
type reference struct {
	header   string
	workload string // "" means the table's own workload
	variant  string
	unit     string
}

// workloadSpec says how one workload's table reads.
type workloadSpec struct {
	workload   string
	about      string
	units      []string
	references []reference
}

func workloadSpecs() []workloadSpec {
	toOtter := reference{header: "÷ otter", variant: "cache=otter", unit: "ns/op"}
	return []workloadSpec{
		{"ReadHit", "Get on a full cache, Zipf-chosen keys (s≈1.01), b.RunParallel.",
			[]string{"ns/op", "allocs/op", "B/op", "hit/op"}, []reference{toOtter}},
		{"Mixed", "90 % Get, 10 % Set of the same Zipf-chosen keys.",
			[]string{"ns/op", "allocs/op", "B/op", "hit/op", "dropped/set"}, []reference{toOtter}},
		{"SetChurn", "Set only, uniform keys from a population ten times the capacity: nearly every Set evicts (go-cache and the bare maps grow instead).",
			[]string{"ns/op", "allocs/op", "B/op", "dropped/set"}, []reference{toOtter}},
		{"Resolve", "routecache only: Resolve on each path (room and fallback rounds include a Delete; set-delete is that part alone).",
			[]string{"ns/op", "allocs/op", "B/op"},
			[]reference{
				{header: "÷ otter ReadHit", workload: "ReadHit", variant: "cache=otter", unit: "ns/op"},
				{header: "÷ xsyncmap ReadHit", workload: "ReadHit", variant: "cache=xsyncmap", unit: "ns/op"},
			}},
		{"Prune", "1,000 expired entries removed among 1,000,000 held (full-run sizes), against two full scans.",
			[]string{"ns/op", "ns/expired", "allocs/op", "B/op"},
			[]reference{{header: "÷ prune", variant: "op=prune", unit: "ns/op"}}},
		{"Memory", "Live heap per held entry at 1,000,000 entries (full-run size), keys and routes excluded.",
			[]string{"B/entry", "resident/key"},
			[]reference{{header: "÷ otter", variant: "cache=otter", unit: "B/entry"}}},
		{"OverwriteGrowth", "Live heap growth while one key is overwritten 2,000,000 times (full-run size).",
			[]string{"B-growth"}, nil},
		{"TailLatency", "Latency of single Gets while one goroutine overwrites routes without pause (each sample includes one clock read, clock-ns).",
			[]string{"p50-ns", "p99-ns", "p99.9-ns", "clock-ns", "sets/op"},
			[]reference{{header: "p99.9 ÷ otter", variant: "cache=otter", unit: "p99.9-ns"}}},
	}
}

// summaryWorkloads are the columns of the README's summary table.
func summaryWorkloads() []struct{ workload, unit string } {
	return []struct{ workload, unit string }{
		{"ReadHit", "ns/op"}, {"Mixed", "ns/op"}, {"SetChurn", "ns/op"}, {"Memory", "B/entry"},
	}
}

// renderResults returns the whole of RESULTS.md.
func renderResults(r *results, meta runMeta, benchstat []string, notes string) string {
	var b strings.Builder
	b.WriteString("# routecache benchmark results\n\n")
	b.WriteString("Written by `bench/run.sh`; do not edit by hand (notes go in `bench/results-notes.md`).\n\n")
	writeMachine(&b, r, meta)
	b.WriteString("\n## Summary\n\n")
	b.WriteString(renderSummary(r))
	b.WriteString("\n## Targets\n\n")
	b.WriteString(renderTargets(evaluateTargets(r)))

	// Workloads with a spec come in the spec's order, any others after them.
	specs := workloadSpecs()
	present := r.workloads()
	var ordered []workloadSpec
	for _, spec := range specs {
		if slices.Contains(present, spec.workload) {
			ordered = append(ordered, spec)
		}
	}
	for _, name := range present {
		if !slices.ContainsFunc(specs, func(s workloadSpec) bool { return s.workload == name }) {
			ordered = append(ordered, workloadSpec{workload: name, units: unitsOf(r, name)})
		}
	}
	for _, spec := range ordered {
		name := spec.workload
		fmt.Fprintf(&b, "\n## %s\n\n", name)
		if spec.about != "" {
			b.WriteString(spec.about + " Medians of each configuration's runs.\n\n")
		}
		b.WriteString(renderWorkload(r, spec))
	}

	if len(benchstat) > 0 {
		b.WriteString("\n## benchstat\n\n")
		b.WriteString("Each cache against otter (the first column) where a workload has it; ± is the 95 % confidence interval, p the significance.\n\n")
		for _, text := range benchstat {
			b.WriteString("```\n" + strings.TrimRight(text, "\n") + "\n```\n\n")
		}
	}
	if strings.TrimSpace(notes) != "" {
		b.WriteString("\n## Notes\n\n" + strings.TrimSpace(notes) + "\n")
	}
	return b.String()
}

func writeMachine(b *strings.Builder, r *results, meta runMeta) {
	cpuModel := meta.cpuModel
	if cpuModel == "" {
		cpuModel = r.config["cpu"]
	}
	b.WriteString("| | |\n|---|---|\n")
	rows := [][2]string{
		{"date", meta.date},
		{"mode", meta.mode},
		{"CPU", strings.TrimSpace(cpuModel)},
		{"cores", meta.cores},
		{"Go", meta.goVer},
		{"OS/arch", strings.Trim(r.config["goos"]+"/"+r.config["goarch"], "/")},
	}
	for _, row := range rows {
		fmt.Fprintf(b, "| %s | %s |\n", row[0], escapeCell(row[1]))
	}
	if len(meta.modules) > 0 {
		b.WriteString("\n### Module versions\n\n| module | version |\n|---|---|\n")
		for _, m := range meta.modules {
			path, version, _ := strings.Cut(m, " ")
			fmt.Fprintf(b, "| %s | %s |\n", path, version)
		}
	}
	if len(meta.commands) > 0 {
		b.WriteString("\n### Commands\n\n```sh\n")
		for _, c := range meta.commands {
			b.WriteString(c + "\n")
		}
		b.WriteString("```\n")
	}
}

// renderSummary is the table the README copies: each cache's medians at
// targetCPU, each with its ratio to routecache's median.
func renderSummary(r *results) string {
	columns := summaryWorkloads()
	var caches []string
	for _, col := range columns {
		for _, k := range r.keysOf(col.workload) {
			if name := k.cacheName(); name != "" && !slices.Contains(caches, name) {
				caches = append(caches, name)
			}
		}
	}
	if len(caches) == 0 {
		return "No results at the target GOMAXPROCS.\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Medians at GOMAXPROCS=%d; in brackets the cache's median divided by routecache's (above 1.00×: routecache is faster or smaller).\n\n", targetCPU)
	b.WriteString("| cache |")
	for _, col := range columns {
		fmt.Fprintf(&b, " %s (%s) |", col.workload, col.unit)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(columns)) + "\n")
	for _, name := range caches {
		fmt.Fprintf(&b, "| %s |", name)
		for _, col := range columns {
			key := sampleKey{workload: col.workload, variant: "cache=" + name, cpu: targetCPU}
			v, ok := r.median(key, col.unit)
			if !ok {
				b.WriteString(" – |")
				continue
			}
			cell := formatNumber(v)
			base, okBase := r.median(sampleKey{workload: col.workload, variant: "cache=routecache", cpu: targetCPU}, col.unit)
			if okBase && base != 0 {
				cell += " (" + formatRatio(v/base) + ")"
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func renderTargets(targets []target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "At GOMAXPROCS=%d, medians of the runs.\n\n", targetCPU)
	b.WriteString("| target | goal | ratio | result | measured |\n|---|---|---:|---|---|\n")
	for _, t := range targets {
		ratio := "–"
		if t.outcome != notMeasured {
			ratio = formatRatio(t.ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | **%s** | %s |\n", t.name, t.goal, ratio, t.outcome, escapeCell(t.measured))
	}
	return b.String()
}

func renderWorkload(r *results, spec workloadSpec) string {
	var b strings.Builder
	b.WriteString("| variant | cpu | runs |")
	for _, u := range spec.units {
		fmt.Fprintf(&b, " %s |", u)
	}
	for _, ref := range spec.references {
		fmt.Fprintf(&b, " %s |", ref.header)
	}
	b.WriteString("\n|---|---:|---:|" + strings.Repeat("---:|", len(spec.units)+len(spec.references)) + "\n")
	for _, k := range r.keysOf(spec.workload) {
		fmt.Fprintf(&b, "| %s | %d | %d |", k.variant, k.cpu, r.runs(k))
		for _, u := range spec.units {
			if v, ok := r.median(k, u); ok {
				fmt.Fprintf(&b, " %s |", formatNumber(v))
			} else {
				b.WriteString(" – |")
			}
		}
		for _, ref := range spec.references {
			refKey := sampleKey{workload: ref.workload, variant: ref.variant, cpu: k.cpu}
			if refKey.workload == "" {
				refKey.workload = spec.workload
			}
			v, okV := r.median(k, ref.unit)
			base, okB := r.median(refKey, ref.unit)
			if okV && okB && base != 0 {
				fmt.Fprintf(&b, " %s |", formatRatio(v/base))
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// unitsOf lists the units a workload reported, for workloads without a spec.
func unitsOf(r *results, workload string) []string {
	var units []string
	for _, k := range r.keysOf(workload) {
		for u := range r.samples[k] {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
	}
	slices.Sort(units)
	return units
}

// Markers around the part of bench/README.md that run.sh rewrites.
const (
	readmeBegin = "<!-- results:begin -->"
	readmeEnd   = "<!-- results:end -->"
)

// readmeBlock is what goes between the README's markers: where the numbers
// come from, then the summary and targets tables exactly as in RESULTS.md.
func readmeBlock(r *results, meta runMeta) string {
	cpuModel := strings.TrimSpace(meta.cpuModel)
	if cpuModel == "" {
		cpuModel = strings.TrimSpace(r.config["cpu"])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s, %s cores, %s; mode: %s. Full tables, module versions and commands: [RESULTS.md](RESULTS.md).\n\n",
		meta.date, cpuModel, meta.cores, meta.goVer, meta.mode)
	b.WriteString(renderSummary(r))
	b.WriteString("\n")
	b.WriteString(renderTargets(evaluateTargets(r)))
	return b.String()
}

// replaceBetweenMarkers returns doc with the text between readmeBegin and
// readmeEnd replaced by block, or an error when the markers are missing or
// out of order.
func replaceBetweenMarkers(doc, block string) (string, error) {
	begin := strings.Index(doc, readmeBegin)
	end := strings.Index(doc, readmeEnd)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("README needs %s followed by %s", readmeBegin, readmeEnd)
	}
	return doc[:begin+len(readmeBegin)] + "\n" + block + doc[end:], nil
}

// escapeCell keeps a value from breaking a Markdown table row.
func escapeCell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
