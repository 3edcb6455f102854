package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/c41db742/routecache"
)

// The route directory protocol. For a session the cache does not know, the
// proxy asks
//
//	GET <directory>?key=<routecache.Key.String()>
//
// and expects 200 with {"route": "<upstream name>", "ttl": <seconds>}; a
// ttl of 0 or none means the proxy's -ttl. 404 means the directory does not
// know the session. Whatever the directory says, a route naming no
// configured upstream is refused by the cache's Validate. In every failure
// the session goes where its room hashes (Reason load_failed), as it would
// without a directory.

// directoryTimeout bounds one question to the directory. The question runs
// on after the request that asked it is gone (the cache detaches the load
// from the request's context, for the other requests waiting on it), so it
// needs a bound of its own.
const directoryTimeout = 5 * time.Second

// errNotInDirectory is the load error for a 404: the directory does not
// know the session.
var errNotInDirectory = errors.New("session not in the route directory")

// directoryAnswer is the directory's JSON answer.
type directoryAnswer struct {
	Route string  `json:"route"`
	TTL   float64 `json:"ttl"` // seconds; 0: the proxy's TTL
}

// newDirectoryLoader returns a routecache.Loader that asks the route
// directory at rawURL through transport, or nil when rawURL is empty. The
// cache asks it once per session however many requests miss together.
func newDirectoryLoader(rawURL string, transport http.RoundTripper) (routecache.Loader[string], error) {
	if rawURL == "" {
		return nil, nil
	}
	base, err := url.Parse(rawURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("route directory %q: want an http or https URL", rawURL)
	}
	client := &http.Client{Transport: transport, Timeout: directoryTimeout}
	return func(ctx context.Context, k routecache.Key) (string, time.Duration, error) {
		ctx, cancel := context.WithTimeout(ctx, directoryTimeout)
		defer cancel()
		target := *base
		q := target.Query()
		q.Set("key", k.String())
		target.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
		if err != nil {
			return "", 0, err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return "", 0, err
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusNotFound:
			return "", 0, errNotInDirectory
		default:
			return "", 0, fmt.Errorf("route directory answered %s", resp.Status)
		}
		var answer directoryAnswer
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&answer); err != nil {
			return "", 0, fmt.Errorf("route directory answer: %w", err)
		}
		if answer.TTL < 0 {
			return "", 0, fmt.Errorf("route directory gave a negative ttl %v", answer.TTL)
		}
		ttl := time.Duration(math.MaxInt64) // a ttl past what a Duration holds: as long as the cache allows
		if ns := answer.TTL * float64(time.Second); ns < math.MaxInt64 {
			ttl = time.Duration(ns)
		}
		return answer.Route, ttl, nil
	}, nil
}
