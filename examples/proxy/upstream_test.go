package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseUpstream(t *testing.T) {
	for _, tc := range []struct {
		in      string
		name    string
		url     string
		wantErr string
	}{
		{in: "a=http://127.0.0.1:9001", name: "a", url: "http://127.0.0.1:9001"},
		{in: "eu-1=https://eu.example:8443/base", name: "eu-1", url: "https://eu.example:8443/base"},
		{in: "http://127.0.0.1:9001", wantErr: "want name="},
		{in: "=http://127.0.0.1:9001", wantErr: "want name="},
		{in: "a=", wantErr: "want name="},
		{in: "a=ftp://host", wantErr: "scheme"},
		{in: "a=http://", wantErr: "no host"},
		{in: "a=http://[::1", wantErr: "missing ']'"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ParseUpstream(tc.in)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.name, u.Name)
			require.Equal(t, tc.url, u.URL.String())
		})
	}
}
