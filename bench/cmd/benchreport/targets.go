package main

import "fmt"

// outcome is how a measured ratio stands against its target.
type outcome int

const (
	notMeasured outcome = iota
	met
	missed
)

func (o outcome) String() string {
	switch o {
	case met:
		return "met"
	case missed:
		return "missed"
	default:
		return "not measured"
	}
}

// target is one of routecache's performance goals, evaluated on one run.
type target struct {
	name     string  // what is compared
	goal     string  // the bound, as the goal states it
	measured string  // the two medians compared
	ratio    float64 // routecache's median over the reference's (for Prune: scan over prune)
	outcome  outcome
}

// targetCPU is the GOMAXPROCS at which the goals are stated.
const targetCPU = 2

// evaluateTargets checks each performance goal on r at targetCPU.
func evaluateTargets(r *results) []target {
	at := func(workload, variant string) sampleKey {
		return sampleKey{workload: workload, variant: variant, cpu: targetCPU}
	}
	targets := []target{
		ratioTarget(r, "ReadHit: routecache within 1.1× of the bare xsync/v3 map", "≤ 1.10×", 1.10,
			at("ReadHit", "cache=routecache"), at("ReadHit", "cache=xsyncmap"), "ns/op"),
		ratioTarget(r, "Resolve exact hit within 1.1× of the bare xsync/v3 map's ReadHit", "≤ 1.10×", 1.10,
			at("Resolve", "path=exact"), at("ReadHit", "cache=xsyncmap"), "ns/op"),
		ratioTarget(r, "Mixed 90/10: routecache at most 0.5× otter", "≤ 0.50×", 0.50,
			at("Mixed", "cache=routecache"), at("Mixed", "cache=otter"), "ns/op"),
		churnTarget(r, at("SetChurn", "cache=routecache"), at("SetChurn", "cache=otter")),
		ratioTarget(r, "Memory: routecache bytes per entry at most otter's (aim 0.85×)", "≤ 1.00×", 1.00,
			at("Memory", "cache=routecache"), at("Memory", "cache=otter"), "B/entry"),
		pruneTarget(r, at("Prune", "op=prune"), at("Prune", "op=scan-all"), at("Prune", "op=scan-xsync")),
	}
	return targets
}

// ratioTarget compares the medians of subject and reference in unit: met
// when subject/reference is at most bound.
func ratioTarget(r *results, name, goal string, bound float64, subject, reference sampleKey, unit string) target {
	t := target{name: name, goal: goal}
	s, okS := r.median(subject, unit)
	ref, okR := r.median(reference, unit)
	if !okS || !okR || ref == 0 {
		t.measured = fmt.Sprintf("%s or %s missing", subject, reference)
		return t
	}
	t.ratio = s / ref
	t.measured = fmt.Sprintf("%s %s vs %s %s", formatValue(s, unit), subject.label(), formatValue(ref, unit), reference.label())
	t.outcome = missed
	if t.ratio <= bound {
		t.outcome = met
	}
	return t
}

// churnTarget is the SetChurn target: at most 0.5× otter's ns/op, and no
// Set of routecache dropped in any run.
func churnTarget(r *results, subject, reference sampleKey) target {
	t := ratioTarget(r, "SetChurn: routecache at most 0.5× otter, no dropped Sets", "≤ 0.50×, 0 dropped", 0.50, subject, reference, "ns/op")
	if t.outcome == notMeasured {
		return t
	}
	dropped, ok := r.maximum(subject, "dropped/set")
	if !ok {
		t.outcome = notMeasured
		t.measured += "; dropped/set missing"
		return t
	}
	t.measured += fmt.Sprintf("; largest share of dropped Sets in a run: %s", formatNumber(dropped))
	if dropped > 0 {
		t.outcome = missed
	}
	return t
}

// pruneTarget is met when the cheaper of the two full scans takes at least
// 100 times as long as Prune.
func pruneTarget(r *results, prune, scanAll, scanXsync sampleKey) target {
	t := target{name: "Prune of the expired entries (1k among 1M held in the full run): at least 100× faster than a full scan", goal: "≥ 100×"}
	p, okP := r.median(prune, "ns/op")
	a, okA := r.median(scanAll, "ns/op")
	x, okX := r.median(scanXsync, "ns/op")
	if !okP || !okA || !okX || p == 0 {
		t.measured = "Prune results missing"
		return t
	}
	scan, scanKey := a, scanAll
	if x < a {
		scan, scanKey = x, scanXsync
	}
	t.ratio = scan / p
	t.measured = fmt.Sprintf("%s prune vs %s %s (the cheaper scan)", formatValue(p, "ns/op"), formatValue(scan, "ns/op"), scanKey.variant)
	t.outcome = missed
	if t.ratio >= 100 {
		t.outcome = met
	}
	return t
}

// label names a configuration in prose: its cache or variant, with the
// workload when that is not obvious.
func (k sampleKey) label() string {
	if name := k.cacheName(); name != "" {
		return name
	}
	return k.workload + " " + k.variant
}
