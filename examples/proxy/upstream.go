package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Upstream is a server the proxy forwards to. Its Name is what the route
// cache stores and what the admin endpoint takes: short, stable, and
// independent of the address, so an upstream can move without rewriting the
// cache.
type Upstream struct {
	Name string
	URL  *url.URL
}

// ParseUpstream reads "name=http://host:port" as given on the command line.
func ParseUpstream(s string) (Upstream, error) {
	name, rawURL, ok := strings.Cut(s, "=")
	if !ok || name == "" || rawURL == "" {
		return Upstream{}, fmt.Errorf("upstream %q: want name=http://host:port", s)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return Upstream{}, fmt.Errorf("upstream %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Upstream{}, fmt.Errorf("upstream %q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return Upstream{}, fmt.Errorf("upstream %q: no host", s)
	}
	return Upstream{Name: name, URL: u}, nil
}

// upstreamList is a repeatable -upstream flag.
type upstreamList []Upstream

func (l *upstreamList) String() string {
	names := make([]string, len(*l))
	for i, u := range *l {
		names[i] = u.Name + "=" + u.URL.String()
	}
	return strings.Join(names, ",")
}

func (l *upstreamList) Set(s string) error {
	u, err := ParseUpstream(s)
	if err != nil {
		return err
	}
	*l = append(*l, u)
	return nil
}

// checkUpstreams refuses an empty set and duplicate names: a name must map
// to one server, or a stored route would be ambiguous.
func checkUpstreams(upstreams []Upstream) error {
	if len(upstreams) == 0 {
		return errors.New("no upstream configured")
	}
	seen := make(map[string]bool, len(upstreams))
	for _, u := range upstreams {
		if u.Name == "" || u.URL == nil {
			return fmt.Errorf("upstream %q: name and URL are required", u.Name)
		}
		if seen[u.Name] {
			return fmt.Errorf("upstream %q configured twice", u.Name)
		}
		seen[u.Name] = true
	}
	return nil
}
