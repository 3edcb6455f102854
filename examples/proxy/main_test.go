package main

import (
	"bytes"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags([]string{
		"-listen", "127.0.0.1:9000",
		"-upstream", "a=http://127.0.0.1:9001",
		"-upstream", "b=http://127.0.0.1:9002",
		"-ttl", "5m", "-shards", "8", "-capacity", "500",
	}, &stderr)
	require.NoError(t, err)
	require.Empty(t, stderr.String())
	require.Equal(t, "127.0.0.1:9000", o.listen)
	require.Equal(t, "127.0.0.1:8081", o.admin)
	require.Equal(t, "a=http://127.0.0.1:9001,b=http://127.0.0.1:9002", o.upstreams.String())
	require.Equal(t, 5*time.Minute, o.cache.TTL)
	require.Equal(t, 8, o.cache.Shards)
	require.Equal(t, 500, o.cache.MaxEntriesPerShard)
}

func TestParseFlagsRefusesBadInput(t *testing.T) {
	const a = "a=http://127.0.0.1:9001"
	for _, tc := range []struct {
		name string
		args []string
		want string // in the message printed to stderr
	}{
		{"no upstream", nil, "no upstream configured"},
		{"bad upstream", []string{"-upstream", "nonsense"}, "want name="},
		{"duplicate upstream", []string{"-upstream", a, "-upstream", a}, "configured twice"},
		{"zero ttl", []string{"-upstream", a, "-ttl", "0s"}, "-ttl must be positive"},
		{"negative shards", []string{"-upstream", a, "-shards", "-1"}, "not negative"},
		{"stray argument", []string{"-upstream", a, "extra"}, `unexpected argument "extra"`},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := parseFlags(tc.args, &stderr)
			require.Error(t, err)
			require.Contains(t, stderr.String(), tc.want)
		})
	}

	var stderr bytes.Buffer
	_, err := parseFlags([]string{"-h"}, &stderr)
	require.ErrorIs(t, err, flag.ErrHelp)
	require.Contains(t, stderr.String(), "-upstream")
}
