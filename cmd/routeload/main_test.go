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
// run main with these space-separated arguments instead of the tests, so a
// test can check the exit status of the real process.
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
	tests := map[string]string{ // arguments: what stderr says
		"-nonsense":                         "flag provided but not defined: -nonsense",
		"-duration soon":                    `invalid value "soon" for flag -duration`,
		"-duration 0s":                      "-duration must be positive",
		"-workers 0":                        "-workers must be in [1,",
		"-keys 0":                           "-sessions must be in [1,",
		"-sessions 10 -threads-per-room 10": "-threads-per-room must be in [0, sessions)",
		"-upstreams 1":                      "-upstreams must be in [2,",
		"-mix resolve=1,lookup=1":           `unknown operation "lookup"`,
		"-zipf 1":                           "-zipf must be in (1, 100]",
		"-zipf NaN":                         "-zipf must be in (1, 100]",
		"-burst-every 1s -burst-length 1s":  "-burst-length must be in (0, burst-every)",
		"-sessions 100 -regulars 101":       "-regulars must be in [0, sessions]",
		"-ttl 0s":                           "-ttl must be positive",
		"-capacity -1":                      "-capacity must be >= 0",
		"-sample 0":                         "-sample must be at least 1",
		"now":                               `unexpected argument "now"`,
	}
	for args, want := range tests {
		t.Run(args, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitUsage, runCommand(context.Background(), strings.Fields(args), &stdout, &stderr))
			assert.Contains(t, stderr.String(), want)
			assert.Empty(t, stdout.String(), "no report after a usage error")
		})
	}
}

func TestHelpExitsWithStatus0(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitOK, runCommand(context.Background(), []string{"-h"}, &stdout, &stderr))
	for _, flag := range []string{"-duration", "-workers", "-keys", "-mix", "-ttl", "-capacity", "-burst-every", "-json"} {
		assert.Contains(t, stderr.String(), flag)
	}
}

func TestProcessExitStatusOfABadFlag(t *testing.T) {
	command := exec.Command(os.Args[0], "-test.run=^$")
	command.Env = append(os.Environ(), mainArgsVariable+"=-workers 0")
	var stderr bytes.Buffer
	command.Stderr = &stderr
	var exit *exec.ExitError
	require.True(t, errors.As(command.Run(), &exit), "the process fails")
	assert.Equal(t, exitUsage, exit.ExitCode())
	assert.Contains(t, stderr.String(), "-workers must be in [1,")
}

func TestJSONReportHoldsTheConfigAndTheStats(t *testing.T) {
	args := strings.Fields("-json -duration 200ms -workers 1 -keys 5000 -ttl 20ms -shards 2 -status 0 -mix resolve=3,set=1")
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, runCommand(context.Background(), args, &stdout, &stderr), stderr.String())
	assert.Empty(t, stderr.String(), "-status 0 prints no status line")

	var report Report
	decoder := json.NewDecoder(bytes.NewReader(stdout.Bytes()))
	decoder.DisallowUnknownFields()
	require.NoError(t, decoder.Decode(&report))
	assert.False(t, decoder.More(), "one JSON document")
	assert.Equal(t, 5000, report.Config.Sessions)
	assert.Equal(t, 5000/16/2, report.Config.Capacity, "the derived capacity, as run")
	assert.InDelta(t, 0.75, report.Config.Mix[opResolve], 1e-12)
	assert.Positive(t, report.Stats.Sets)
	assert.Len(t, report.Operations, int(operationCount))

	var raw struct {
		Config map[string]any `json:"config"`
		Stats  map[string]any `json:"stats"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &raw))
	assert.Equal(t, "resolve=75,get=0,set=25,move=0,delete=0", raw.Config["mix"], "the mix as -mix reads it")
	for _, field := range []string{"entries", "hits", "room_hits", "fallback_hits", "misses", "evictions", "expirations"} {
		assert.Contains(t, raw.Stats, field, "Stats' JSON tags name the fields")
	}
}
