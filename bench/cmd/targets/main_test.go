package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRows(t *testing.T) {
	raw := filepath.Join(t.TempDir(), "raw.txt")
	err := os.WriteFile(raw, []byte(`BenchmarkReadHit/cache=routecache-2    1000    120 ns/op
BenchmarkReadHit/cache=routecache-2    1000    130 ns/op
BenchmarkReadHit/cache=xsyncmap-2      1000    100 ns/op
BenchmarkSetChurn/cache=routecache     1000    500 ns/op    0.01 dropped/set
BenchmarkPrune/ttl=fixed/held=10000/op=prune-2       10    1000 ns/op
BenchmarkPrune/ttl=fixed/held=1000000/op=prune-2     10    1500 ns/op
BenchmarkPrune/ttl=fixed/held=1000000/op=scan-all-2  10  200000 ns/op
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := read([]string{raw})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target target
		name   string
		want   string
	}{
		{findTarget(t, `ReadHit/cache=routecache`, "xsyncmap", "ns/op"), "ReadHit/cache=routecache-2", "| ns/op | 125 vs 100 | 1.25 | ≤ 1.10 | **MISSED** |"},
		{findTarget(t, `ReadHit/cache=routecache`, "otter", "ns/op"), "ReadHit/cache=routecache-2", "| ns/op | 125 vs 0 | 0 | ratio only | not measured |"},
		{findTarget(t, `SetChurn/cache=routecache`, "", "dropped/set"), "SetChurn/cache=routecache", "| dropped/set | 0.01 | 0.01 | ≤ 0.00 | **MISSED** |"},
		{findTarget(t, `Prune/.*/held=1000000/op=scan-all`, "op=prune", "ns/op"), "Prune/ttl=fixed/held=1000000/op=scan-all-2", "| ns/op | 2e+05 vs 1500 | 133 | ≥ 100.00 | MET |"},
		{findTarget(t, `Prune/.*/held=1000000/op=prune`, "held=10000", "ns/op"), "Prune/ttl=fixed/held=1000000/op=prune-2", "| ns/op | 1500 vs 1000 | 1.5 | ≤ 2.00 | MET |"},
	}
	for _, tt := range tests {
		subject, ok := median(samples[tt.name][tt.target.unit])
		if !ok {
			t.Fatalf("%s: no %s read", tt.name, tt.target.unit)
		}
		if got := tt.target.row(tt.name, subject, samples); !strings.HasSuffix(got, tt.want) {
			t.Errorf("%s against %q:\n got %s\nwant …%s", tt.name, tt.target.to, got, tt.want)
		}
	}
}

// findTarget returns the target of subject compared with to in unit.
func findTarget(t *testing.T, subject, to, unit string) target {
	t.Helper()
	for _, tg := range targets {
		if tg.subject == subject && tg.to == to && tg.unit == unit {
			return tg
		}
	}
	t.Fatalf("no target %s against %q in %s", subject, to, unit)
	return target{}
}
