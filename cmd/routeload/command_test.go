package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mainArgsVariable, when set in the environment of the test binary, makes it
// run the command's main with these space-separated arguments instead of the
// tests, so a test can check the exit status of the real process.
const mainArgsVariable = "ROUTELOAD_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(mainArgsVariable); ok {
		os.Args = append([]string{"routeload"}, strings.Fields(args)...)
		main()
		return
	}
	os.Exit(m.Run())
}

func TestBadFlagsExitWithStatus2(t *testing.T) {
	tests := []struct {
		args []string
		want string // in the message on stderr
	}{
		{[]string{"-nonsense"}, "flag provided but not defined: -nonsense"},
		{[]string{"-duration", "soon"}, `invalid value "soon" for flag -duration`},
		{[]string{"-duration", "0s"}, "-duration must be positive"},
		{[]string{"-workers", "0"}, "-workers must be in [1,"},
		{[]string{"-sessions", "0"}, "-sessions must be in [1,"},
		{[]string{"-channels", "0"}, "-channels must be in [1,"},
		{[]string{"-rooms-per-bridge", "0"}, "-rooms-per-bridge must be at least 1"},
		{[]string{"-threads-per-room", "-1"}, "-threads-per-room must be in [0, sessions)"},
		{[]string{"-sessions", "10", "-threads-per-room", "10"}, "-threads-per-room must be in [0, sessions)"},
		{[]string{"-upstreams", "1"}, "-upstreams must be in [2,"},
		{[]string{"-mix", "resolve=1,lookup=1"}, `unknown operation "lookup"`},
		{[]string{"-mix", "resolve=0"}, "positive"},
		{[]string{"-zipf", "1"}, "-zipf must be in (1, 100]"},
		{[]string{"-zipf", "NaN"}, "-zipf must be in (1, 100]"},
		{[]string{"-burst-every", "-1s"}, "-burst-every must be >= 0"},
		{[]string{"-burst-length", "0s"}, "-burst-length must be in (0, burst-every)"},
		{[]string{"-burst-every", "1s", "-burst-length", "1s"}, "-burst-length must be in (0, burst-every)"},
		{[]string{"-regulars", "-1"}, "-regulars must be in [0, sessions]"},
		{[]string{"-sessions", "100", "-regulars", "101"}, "-regulars must be in [0, sessions]"},
		{[]string{"-ttl", "0s"}, "-ttl must be positive"},
		{[]string{"-prune", "-1s"}, "-prune must be >= 0"},
		{[]string{"-shards", "0"}, "-shards must be in [1,"},
		{[]string{"-capacity", "-1"}, "-capacity must be >= 0"},
		{[]string{"-sample", "0"}, "-sample must be at least 1"},
		{[]string{"-status", "-1s"}, "-status must be >= 0"},
		{[]string{"-seed", "-1"}, `invalid value "-1" for flag -seed`},
		{[]string{"now"}, `unexpected argument "now"`},
	}
	for _, test := range tests {
		t.Run(strings.Join(test.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runCommand(context.Background(), test.args, &stdout, &stderr)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr.String(), test.want)
			assert.Empty(t, stdout.String(), "no report after a usage error")
		})
	}
}

func TestHelpExitsWithStatus0(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitOK, runCommand(context.Background(), []string{"-h"}, &stdout, &stderr))
	for _, flag := range []string{"-duration", "-workers", "-sessions", "-rooms-per-bridge", "-threads-per-room", "-mix", "-ttl", "-shards", "-capacity", "-zipf", "-burst-every", "-burst-length", "-regulars", "-seed", "-json"} {
		assert.Contains(t, stderr.String(), flag)
	}
}

func TestProcessExitStatusOfABadFlag(t *testing.T) {
	command := exec.Command(os.Args[0], "-test.run=^$")
	command.Env = append(os.Environ(), mainArgsVariable+"=-workers 0")
	var stderr bytes.Buffer
	command.Stderr = &stderr
	err := command.Run()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "the process fails: %v", err)
	assert.Equal(t, exitUsage, exit.ExitCode())
	assert.Contains(t, stderr.String(), "-workers must be in [1,")
}

func TestJSONReport(t *testing.T) {
	args := []string{"-json", "-duration", "200ms", "-workers", "1", "-sessions", "5000", "-ttl", "20ms", "-shards", "2", "-status", "0"}
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, runCommand(context.Background(), args, &stdout, &stderr), stderr.String())
	assert.Empty(t, stderr.String(), "-status 0 prints no status line")

	output := stdout.Bytes()
	var report Report
	decoder := json.NewDecoder(bytes.NewReader(output))
	decoder.DisallowUnknownFields()
	require.NoError(t, decoder.Decode(&report))
	assert.False(t, decoder.More(), "one JSON document")
	assert.Equal(t, 1, report.Workload.Workers)
	assert.Equal(t, 5000, report.Workload.Sessions)
	assert.Equal(t, 2, report.Cache.Shards)
	assert.InDelta(t, 0.02, report.Cache.TTLSeconds, 1e-12)
	assert.Positive(t, report.TotalOps)
	assert.Len(t, report.Operations, int(operationCount))

	var raw map[string]any
	require.NoError(t, json.Unmarshal(output, &raw), string(output))
	for _, field := range []string{"operations", "lookups", "latency_sampling", "cache", "memory"} {
		assert.Contains(t, raw, field)
	}
}

func TestReportFailuresAddsUpTheOperations(t *testing.T) {
	report := Report{Operations: []OperationReport{{Name: "resolve"}, {Name: "set", Failures: 2}, {Name: "get", Failures: 3}}}
	assert.Equal(t, uint64(5), report.failures())
	assert.Zero(t, Report{Operations: []OperationReport{{Name: "resolve", Count: 9}}}.failures())
}
