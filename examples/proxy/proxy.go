package main

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/prom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Config configures a Proxy.
type Config struct {
	// Upstreams the proxy forwards to; at least one, names unique.
	Upstreams []Upstream
	// Cache configures the route cache: TTL, shards, capacity, clock. Its
	// Validate is wrapped so that only configured upstream names are stored.
	Cache routecache.Config[string]
	// Transport carries forwarded requests; nil: a clone of
	// http.DefaultTransport shared by all upstreams.
	Transport http.RoundTripper
	// ErrorLog receives forwarding errors; nil: the log package's logger.
	ErrorLog *log.Logger
	// Directory, if set, is the URL of a route directory the proxy asks
	// for a session the cache does not know, before hashing its room
	// (directory.go).
	Directory string
}

// Proxy is an HTTP reverse proxy that sends every session to the upstream it
// was last sent to. A request names its session in the X-Route-* headers;
// the proxy resolves the session's upstream in a routecache.Cache (the
// session's own route, else its room's route, else the upstream its room
// hashes onto, or the room's second choice if Validate refuses the first),
// the cache remembers the answer, and the request is forwarded.
//
// All state lives in the Proxy; several can run in one process. Create one
// with NewProxy; it is safe for concurrent use.
type Proxy struct {
	cache *routecache.Cache[string]
	// backends maps an upstream name to its forwarder; read-only after
	// NewProxy, so lookups need no lock.
	backends map[string]*httputil.ReverseProxy
	ring     *rendezvous
	metrics  *prometheus.Registry
	errorLog *log.Logger
	// load asks the route directory; nil without one. Built once, so a
	// cache hit allocates nothing for it.
	load routecache.Loader[string]
}

// NewProxy builds a Proxy and its cache. It fails on an empty or ambiguous
// upstream list and on an invalid cache configuration.
func NewProxy(cfg Config) (*Proxy, error) {
	if err := checkUpstreams(cfg.Upstreams); err != nil {
		return nil, err
	}
	transport := cfg.Transport
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	p := &Proxy{
		backends: make(map[string]*httputil.ReverseProxy, len(cfg.Upstreams)),
		errorLog: cfg.ErrorLog,
	}
	if p.errorLog == nil {
		p.errorLog = log.Default()
	}
	names := make([]string, 0, len(cfg.Upstreams))
	for _, u := range cfg.Upstreams {
		names = append(names, u.Name)
		p.backends[u.Name] = p.newForwarder(u, transport)
	}
	p.ring = newRendezvous(names)

	cacheCfg := cfg.Cache
	callerValidate := cacheCfg.Validate
	cacheCfg.Validate = func(name string) error {
		// The admin endpoint writes names that come from a request: only
		// configured upstreams may enter the cache.
		if _, ok := p.backends[name]; !ok {
			return fmt.Errorf("unknown upstream %q", name)
		}
		if callerValidate != nil {
			return callerValidate(name)
		}
		return nil
	}
	cache, err := routecache.New(cacheCfg)
	if err != nil {
		return nil, err
	}
	p.cache = cache
	if p.load, err = newDirectoryLoader(cfg.Directory, transport); err != nil {
		_ = cache.Close()
		return nil, err
	}

	// A registry of its own, not the global default one: two proxies in one
	// process (as in the tests) each expose their own cache.
	p.metrics = prometheus.NewRegistry()
	p.metrics.MustRegister(
		prom.NewCollector(cache, prom.Options{}),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return p, nil
}

func (p *Proxy) newForwarder(u Upstream, transport http.RoundTripper) *httputil.ReverseProxy {
	target := u.URL
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.SetXForwarded()
		},
		Transport: transport,
		ErrorLog:  p.errorLog,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.errorLog.Printf("proxy: upstream %s: %v", u.Name, err)
			http.Error(w, "upstream "+u.Name+" unavailable", http.StatusBadGateway)
		},
	}
}

// ServeHTTP routes and forwards one request. A request whose headers do not
// make a valid key gets 400 with the cache's error, which names the field.
// Cost on top of forwarding: one room hash (the fallbacks, needed up front),
// one Resolve (lock-free and allocation-free on a hit) and one map read.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := keyFromHeaders(r.Header)
	first, second := p.ring.pickTwo(key)
	res, err := p.cache.ResolveWith(r.Context(), key, p.load, first, second)
	if err != nil {
		// Fallbacks are always supplied, so past a bad key Resolve fails
		// only when a caller's Validate refuses both of the room's choices,
		// or when the client gave up while the directory was asked.
		status := http.StatusServiceUnavailable
		if errors.Is(err, routecache.ErrInvalidKey) {
			status = http.StatusBadRequest
		}
		http.Error(w, err.Error(), status)
		return
	}
	forward, ok := p.backends[res.Route]
	if !ok {
		http.Error(w, "route to unknown upstream "+res.Route, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set(headerUpstream, res.Route)
	h.Set(headerSource, res.Source.String())
	h.Set(headerReason, res.Reason.String())
	forward.ServeHTTP(w, r)
}

// Close stops the cache's background work. The proxy keeps forwarding: a
// closed cache still resolves every request to its room's hashed upstream,
// it only stops remembering routes.
func (p *Proxy) Close() error {
	return p.cache.Close()
}
