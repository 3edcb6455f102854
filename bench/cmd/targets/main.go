// Command targets reads the raw output of the bench suite (go test -bench)
// and prints, as a Markdown table, each of routecache's performance targets
// with the ratio of the medians and whether it is met. A target without a
// bound is reported as a ratio only. It fails only when it cannot read its
// input or finds no benchmark in it: a missed target is a result.
//
//	go run ./cmd/targets results/raw.txt
package main

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// target compares each benchmark whose name (GOMAXPROCS suffix aside)
// matches subject with the one named by replacing from by to, in unit; with
// to empty, the subject's own median is compared with the bound. A bound of
// 0 reports the ratio only; atLeast makes the bound a floor.
type target struct {
	subject, from, to, unit string
	bound                   float64
	atLeast                 bool
}

// targets are the goals of the hot-path, expiry and hostile-key issues. A
// scan of 10k entries visits only ten times the 1k a Prune removes, so the
// 100× goal of Prune applies at 1M held; that it holds from 10k to 1M is
// Prune's cost at 1M held against its cost at 10k.
var targets = []target{
	{`ReadHit/cache=routecache`, "routecache", "floor", "ns/op", 0, false},
	{`ReadHit/cache=routecache`, "routecache", "floorget", "ns/op", 0, false},
	{`ReadHit/cache=floorget`, "floorget", "xsyncmap", "ns/op", 0, false},
	{`ReadHit/cache=floorget`, "floorget", "otter", "ns/op", 0, false},
	{`ReadHit/cache=floor`, "floor", "xsyncmap", "ns/op", 0, false},
	{`ReadHit/cache=routecache`, "routecache", "xsyncmap", "ns/op", 1.10, false},
	{`ReadHit/cache=routecache`, "routecache", "otter", "ns/op", 0.75, false},
	{`Resolve/path=exact`, "Resolve/path=exact", "ReadHit/cache=xsyncmap", "ns/op", 1.10, false},
	{`Mixed/cache=routecache`, "routecache", "floor", "ns/op", 0, false},
	{`Mixed/cache=routecache`, "routecache", "xsyncmap", "ns/op", 1.30, false},
	{`Mixed/cache=routecache`, "routecache", "otter", "ns/op", 0.80, false},
	{`SetChurn/cache=routecache`, "routecache", "floor", "ns/op", 0, false},
	{`SetChurn/cache=routecache`, "routecache", "xsyncmap", "ns/op", 0, false},
	{`SetChurn/cache=routecache`, "routecache", "floorevict", "ns/op", 0, false},
	{`SetChurn/cache=floorevict`, "floorevict", "otter", "ns/op", 0, false},
	{`SetChurn/cache=routecache`, "routecache", "otter", "ns/op", 0.65, false},
	{`SetChurn/cache=routecache`, "", "", "dropped/set", 0, false},
	{`Memory/cache=routecache`, "routecache", "floor", "B/entry", 0, false},
	{`Memory/cache=routecache`, "routecache", "xsyncmap", "B/entry", 0, false},
	{`Memory/cache=routecache`, "routecache", "otter", "B/entry", 0.90, false},
	{`TailLatency/writer=overwrite/cache=routecache`, "routecache", "otter", "p99.9-ns", 1.00, false},
	{`TailLatency/writer=overwrite/cache=routecache`, "routecache", "floorget", "p99.9-ns", 0, false},
	{`TailLatency/writer=overwrite/cache=floorget`, "floorget", "otter", "p99.9-ns", 0, false},
	{`TailLatency/writer=none/cache=routecache`, "routecache", "otter", "p99.9-ns", 0, false},
	{`TailLatency/writer=none/cache=floorget`, "floorget", "otter", "p99.9-ns", 0, false},
	{`Prune/.*/held=1000000/op=scan-all`, "op=scan-all", "op=prune", "ns/op", 100, true},
	{`Prune/.*/held=1[0]{4,5}/op=scan-all`, "op=scan-all", "op=prune", "ns/op", 0, false},
	{`Prune/.*/held=1000000/op=prune`, "held=1000000", "held=10000", "ns/op", 2, false},
	{`WriterStall/cache=routecache`, "routecache", "otter", "p99.9-ns", 0, false},
	{`WriterStall/cache=routecache`, "routecache", "otter", "max-ns", 0, false},
	{`Collide/.*/keys=colliding`, "colliding", "ordinary", "ns/op", 3, false},
}

func main() {
	samples, err := read(os.Args[1:])
	if err == nil && len(samples) == 0 {
		err = fmt.Errorf("no benchmark results in %v", os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "targets:", err)
		os.Exit(1)
	}
	fmt.Println("| benchmark | compared with | unit | medians | ratio | goal | result |")
	fmt.Println("|---|---|---|---:|---:|---|---|")
	names := slices.Sorted(maps.Keys(samples))
	for _, t := range targets {
		match := regexp.MustCompile("^" + t.subject + `(-\d+)?$`)
		for _, name := range names {
			if subject, ok := median(samples[name][t.unit]); ok && match.MatchString(name) {
				fmt.Println(t.row(name, subject, samples))
			}
		}
	}
}

// row evaluates t for the benchmark name whose median is subject.
func (t target) row(name string, subject float64, samples map[string]map[string][]float64) string {
	against, reference, ok, medians := "", 1.0, true, fmt.Sprintf("%.4g", subject)
	if t.to != "" {
		against = strings.Replace(name, t.from, t.to, 1)
		reference, ok = median(samples[against][t.unit])
		medians += fmt.Sprintf(" vs %.4g", reference)
	}
	ratio, goal, result := subject/reference, "ratio only", "—"
	switch {
	case !ok || reference == 0:
		ratio, result = 0, "not measured"
	case t.atLeast:
		goal, result = fmt.Sprintf("≥ %.2f", t.bound), verdict[ratio >= t.bound]
	case t.bound > 0 || t.to == "":
		goal, result = fmt.Sprintf("≤ %.2f", t.bound), verdict[ratio <= t.bound]
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %.3g | %s | %s |", name, against, t.unit, medians, ratio, goal, result)
}

// read returns every value in the files by benchmark name, then unit, in the
// units go test printed (benchfmt would turn ns/op into sec/op).
func read(files []string) (map[string]map[string][]float64, error) {
	samples := make(map[string]map[string][]float64)
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r := benchfmt.NewReader(f, file)
		for r.Scan() {
			if res, ok := r.Result().(*benchfmt.Result); ok {
				name := res.Name.String()
				if samples[name] == nil {
					samples[name] = make(map[string][]float64)
				}
				for _, v := range res.Values {
					if v.OrigUnit != "" {
						v.Unit, v.Value = v.OrigUnit, v.OrigValue
					}
					samples[name][v.Unit] = append(samples[name][v.Unit], v.Value)
				}
			}
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	return samples, nil
}

// verdict is a target's result by whether it is met.
var verdict = map[bool]string{true: "MET", false: "**MISSED**"}

// median returns the median of values, and false when there are none.
func median(values []float64) (float64, bool) {
	if len(values) == 0 {
		return 0, false
	}
	s := slices.Sorted(slices.Values(values))
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2, true
}
