package main

import (
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// sampleOutput is a shortened `go test -bench` output in the shape the
// suite prints: two runs per configuration, GOMAXPROCS 1 (no suffix) and 2.
const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/c41db742/routecache/bench
cpu: Example CPU @ 3.0GHz
BenchmarkReadHit/cache=routecache     	1000	 20.0 ns/op	 1.000 hit/op	 0 B/op	 0 allocs/op
BenchmarkReadHit/cache=routecache-2   	1000	 10.0 ns/op	 1.000 hit/op	 0 B/op	 0 allocs/op
BenchmarkReadHit/cache=routecache-2   	1000	 12.0 ns/op	 1.000 hit/op	 0 B/op	 0 allocs/op
BenchmarkReadHit/cache=otter-2        	1000	 30.0 ns/op	 1.000 hit/op	 0 B/op	 0 allocs/op
BenchmarkReadHit/cache=otter-2        	1000	 34.0 ns/op	 1.000 hit/op	 0 B/op	 0 allocs/op
BenchmarkReadHit/cache=theine-2       	1000	 25.0 ns/op	 1.000 hit/op	 0 B/op	 0 allocs/op
BenchmarkReadHit/cache=xsyncmap-2     	1000	 10.0 ns/op	 1.000 hit/op	 0 B/op	 0 allocs/op
BenchmarkMixed/cache=routecache-2     	1000	 40.0 ns/op	 1.000 hit/op	 0 dropped/set	 0 B/op	 0 allocs/op
BenchmarkMixed/cache=otter-2          	1000	 60.0 ns/op	 1.000 hit/op	 0 dropped/set	 0 B/op	 0 allocs/op
BenchmarkMixed/cache=theine-2         	1000	 50.0 ns/op	 1.000 hit/op	 0 dropped/set	 0 B/op	 0 allocs/op
BenchmarkMixed/cache=ristretto-2      	1000	 45.0 ns/op	 0.900 hit/op	 0.1 dropped/set	 0 B/op	 0 allocs/op
BenchmarkMixed/cache=xsyncmap-2       	1000	 20.0 ns/op	 1.000 hit/op	 0 dropped/set	 0 B/op	 0 allocs/op
BenchmarkSetChurn/cache=routecache-2  	1000	 50.0 ns/op	 0.001 dropped/set	 0 B/op	 0 allocs/op
BenchmarkSetChurn/cache=otter-2       	1000	 200 ns/op	 0 dropped/set	 0 B/op	 0 allocs/op
BenchmarkResolve/path=exact-2         	1000	 10.5 ns/op	 0 B/op	 0 allocs/op
BenchmarkPrune/op=prune-2             	100	 50000 ns/op	 50.0 ns/expired	 0 B/op	 0 allocs/op
BenchmarkPrune/op=scan-all-2          	10	 20000000 ns/op	 20000 ns/expired	 0 B/op	 0 allocs/op
BenchmarkPrune/op=scan-xsync-2        	10	 4000000 ns/op	 4000 ns/expired	 0 B/op	 0 allocs/op
PASS
ok  	github.com/c41db742/routecache/bench	12.3s
`

func readSample(t *testing.T) *results {
	t.Helper()
	r := newResults()
	if err := r.read(strings.NewReader(sampleOutput), "sample"); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseName(t *testing.T) {
	tests := []struct {
		name string
		want sampleKey
	}{
		{"ReadHit/cache=otter-2", sampleKey{"ReadHit", "cache=otter", 2}},
		{"ReadHit/cache=otter", sampleKey{"ReadHit", "cache=otter", 1}},
		{"Prune/op=scan-all-4", sampleKey{"Prune", "op=scan-all", 4}},
		{"Memory-2", sampleKey{"Memory", "", 2}},
	}
	for _, tt := range tests {
		if got := parseName(benchfmt.Name(tt.name)); got != tt.want {
			t.Errorf("parseName(%q) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestReadGroupsRunsAndKeepsPrintedUnits(t *testing.T) {
	r := readSample(t)
	key := sampleKey{"ReadHit", "cache=routecache", 2}
	if got, _ := r.median(key, "ns/op"); got != 11 {
		t.Errorf("median of 10 and 12 ns/op = %v, want 11", got)
	}
	if r.runs(key) != 2 {
		t.Errorf("runs = %d, want 2", r.runs(key))
	}
	if got, ok := r.median(sampleKey{"Prune", "op=prune", 2}, "ns/expired"); !ok || got != 50 {
		t.Errorf("custom unit ns/expired: %v, %v; want 50 as printed", got, ok)
	}
	if got := r.cpus(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("cpus = %v, want [1 2]", got)
	}
	if r.config["cpu"] != "Example CPU @ 3.0GHz" || r.config["goos"] != "linux" {
		t.Errorf("config = %v", r.config)
	}
	if _, ok := r.median(sampleKey{"ReadHit", "cache=lru", 2}, "ns/op"); ok {
		t.Error("a configuration never run has a median")
	}
}

func TestEvaluateTargets(t *testing.T) {
	targets := evaluateTargets(readSample(t))
	want := map[string]struct {
		outcome outcome
		ratio   float64
	}{
		"ReadHit":  {met, 1.1},          // 11 / 10
		"Resolve":  {met, 1.05},         // 10.5 / 10
		"Mixed":    {missed, 40.0 / 60}, // above 0.5
		"SetChurn": {missed, 0.25},      // fast enough, but a Set was dropped
		"Memory":   {notMeasured, 0},
		"Prune":    {met, 80}, // cheaper scan 4,000,000 / 50,000
	}
	if len(targets) != len(want) {
		t.Fatalf("%d targets, want %d", len(targets), len(want))
	}
	for _, tg := range targets {
		prefix, _, _ := strings.Cut(tg.name, ":")
		prefix, _, _ = strings.Cut(prefix, " ")
		w, ok := want[prefix]
		if !ok {
			t.Fatalf("unexpected target %q", tg.name)
		}
		if prefix == "Prune" {
			w.outcome = missed // 80× is below the 100× goal
		}
		if tg.outcome != w.outcome || (w.outcome != notMeasured && !near(tg.ratio, w.ratio)) {
			t.Errorf("%s: %v at %.4f, want %v at %.4f (%s)", tg.name, tg.outcome, tg.ratio, w.outcome, w.ratio, tg.measured)
		}
	}
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
}

func TestFastestPeersSkipsRoutecacheAndFloors(t *testing.T) {
	r := readSample(t)
	got, err := fastestPeers(r, "Mixed", 2, []string{"routecache", "xsyncmap", "syncmap"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "ristretto,theine" {
		t.Fatalf("got %v, want ristretto,theine", got)
	}
	if _, err := fastestPeers(r, "Mixed", 6, nil); err == nil {
		t.Fatal("asking for more peers than measured did not fail")
	}
}

func TestResultsHoldEveryNumberOfTheReadmeBlock(t *testing.T) {
	r := readSample(t)
	meta := runMeta{date: "2025-01-02", mode: "full", cores: "2", goVer: "go1.24", commands: []string{"go test -bench ."}}
	doc := renderResults(r, meta, []string{"benchstat text"}, "a note")
	block := readmeBlock(r, meta)
	_, tables, _ := strings.Cut(block, "\n\n")
	for _, line := range strings.Split(tables, "\n") {
		if !strings.Contains(doc, line) {
			t.Errorf("README line is not in RESULTS.md: %q", line)
		}
	}
	for _, want := range []string{"## ReadHit", "## Prune", "| ristretto | – | 45.0 (1.12×) |", "**missed**", "benchstat text", "## Notes\n\na note", "go test -bench ."} {
		if !strings.Contains(doc, want) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
}

func TestReplaceBetweenMarkers(t *testing.T) {
	doc := "intro\n" + readmeBegin + "\nold numbers\n" + readmeEnd + "\noutro\n"
	got, err := replaceBetweenMarkers(doc, "new numbers\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "intro\n" + readmeBegin + "\nnew numbers\n" + readmeEnd + "\noutro\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := replaceBetweenMarkers("no markers", "x"); err == nil {
		t.Fatal("a README without markers was accepted")
	}
	if _, err := replaceBetweenMarkers(readmeEnd+readmeBegin, "x"); err == nil {
		t.Fatal("markers out of order were accepted")
	}
}

func TestReadMeta(t *testing.T) {
	m, err := readMeta(strings.NewReader("date\t2025-01-02\ncommand\tone\ncommand\ttwo\nmodule\tgithub.com/x/y v1.0.0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.date != "2025-01-02" || len(m.commands) != 2 || m.modules[0] != "github.com/x/y v1.0.0" {
		t.Fatalf("got %+v", m)
	}
	if _, err := readMeta(strings.NewReader("colour\tblue\n")); err == nil {
		t.Fatal("an unknown key was accepted")
	}
	if _, err := readMeta(strings.NewReader("no tab here\n")); err == nil {
		t.Fatal("a line without a tab was accepted")
	}
}

func TestFormatNumber(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.00123, "0.00123"}, {1.5, "1.50"}, {12.34, "12.3"}, {123.4, "123"}, {1234567, "1,234,567"}, {-2500, "-2,500"},
	} {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
