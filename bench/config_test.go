package bench

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestLoadSuiteConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(suiteConfig) bool
		wantErr string
	}{
		{
			name: "full defaults",
			env:  map[string]string{},
			check: func(c suiteConfig) bool {
				return !c.quick && c.hotKeys == 100_000 && c.churnKeys == 1_000_000 &&
					slices.Equal(c.pruneHeld, []int{10_000, 100_000, 1_000_000}) && slices.Equal(c.collideKeys, []int{2_000, 10_000})
			},
		},
		{
			name: "quick defaults",
			env:  map[string]string{"BENCH_QUICK": "1"},
			check: func(c suiteConfig) bool {
				return c.quick && c.memoryEntries == 100_000 && c.pruneExpired == 1_000 && slices.Equal(c.pruneHeld, []int{10_000})
			},
		},
		{
			name:  "a set variable wins over quick",
			env:   map[string]string{"BENCH_QUICK": "1", "BENCH_HOT_KEYS": "1234"},
			check: func(c suiteConfig) bool { return c.hotKeys == 1234 },
		},
		{
			name:    "not a number",
			env:     map[string]string{"BENCH_CHURN_KEYS": "lots"},
			wantErr: "BENCH_CHURN_KEYS",
		},
		{
			name:    "zipf needs s above 1",
			env:     map[string]string{"BENCH_ZIPF_S": "1"},
			wantErr: "BENCH_ZIPF_S",
		},
		{
			name:    "a list with a hole",
			env:     map[string]string{"BENCH_COLLIDE_KEYS": "2000,,10000"},
			wantErr: "BENCH_COLLIDE_KEYS",
		},
		{
			name:    "held must be a multiple of expired",
			env:     map[string]string{"BENCH_PRUNE_HELD": "1500", "BENCH_PRUNE_EXPIRED": "1000"},
			wantErr: "multiple",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range configVariables() {
				unsetForTest(t, v.name)
			}
			unsetForTest(t, "BENCH_QUICK")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := loadSuiteConfig()
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !tt.check(cfg):
				t.Fatalf("unexpected config %+v", cfg)
			}
		})
	}
}

// unsetForTest removes name from the environment for the rest of the test;
// t.Setenv arranges for the old value to come back afterwards.
func unsetForTest(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "")
	if err := os.Unsetenv(name); err != nil {
		t.Fatal(err)
	}
}
