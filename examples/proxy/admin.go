package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/c41db742/routecache"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// AdminHandler serves the operator's endpoints. Serve it on an address that
// traffic cannot reach: it rewrites routes.
//
//	PUT    /admin/route?channel=&bridge=&room=[&thread=]&upstream=NAME[&ttl=DURATION]  pin a route (a room move)
//	GET    /admin/route?channel=&bridge=&room=[&thread=]  the route held, as JSON
//	DELETE /admin/route?channel=&bridge=&room=[&thread=]  forget a route
//	GET    /admin/stats                                   the cache's Stats, as JSON
//	GET    /metrics                                       Prometheus exposition
//
// Errors come back as plain text: 400 for a bad key, TTL or unknown upstream,
// 404 for no route, 503 once the cache is closed.
func (p *Proxy) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /admin/route", p.putRoute)
	mux.HandleFunc("GET /admin/route", p.getRoute)
	mux.HandleFunc("DELETE /admin/route", p.deleteRoute)
	mux.HandleFunc("GET /admin/stats", p.getStats)
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.metrics, promhttp.HandlerOpts{}))
	return mux
}

// routeJSON is the body of GET /admin/route.
type routeJSON struct {
	Key       string    `json:"key"`
	Upstream  string    `json:"upstream"`
	UpdatedAt time.Time `json:"updated_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// keyFromQuery reads a key from the admin query; the cache validates it.
func keyFromQuery(r *http.Request) routecache.Key {
	q := r.URL.Query()
	return routecache.Key{
		Channel: q.Get("channel"),
		Bridge:  q.Get("bridge"),
		Room:    q.Get("room"),
		Thread:  q.Get("thread"),
	}
}

// putRoute pins a route. Pinning a room moves the room: the room itself and
// every thread that resolves through it from now on go to the new upstream.
// A thread that already holds its own route keeps it until that route
// expires or is deleted: that is session stickiness, and the reason DELETE
// exists.
//
// A pin lasts the cache's TTL unless ttl says otherwise; like every route it
// is not extended by reads, so a move meant to outlast the TTL needs a ttl.
func (p *Proxy) putRoute(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var ttl time.Duration // 0: the cache's TTL
	if raw := q.Get("ttl"); raw != "" {
		var err error
		if ttl, err = time.ParseDuration(raw); err != nil {
			http.Error(w, "ttl: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	if err := p.cache.SetWithTTL(keyFromQuery(r), q.Get("upstream"), ttl); err != nil {
		writeCacheError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *Proxy) getRoute(w http.ResponseWriter, r *http.Request) {
	key := keyFromQuery(r)
	rec, err := p.cache.Get(key)
	if err != nil {
		writeCacheError(w, err)
		return
	}
	writeJSON(w, routeJSON{
		Key:       key.String(),
		Upstream:  rec.Route,
		UpdatedAt: rec.UpdatedAt,
		ExpiresAt: rec.ExpiresAt,
	})
}

func (p *Proxy) deleteRoute(w http.ResponseWriter, r *http.Request) {
	key := keyFromQuery(r)
	if !p.cache.Delete(key) {
		// Delete reports no error; a bad key or a closed cache simply
		// removes nothing. Get tells them apart from "no route" at the cost
		// of one counted miss, on this rare path only.
		if _, err := p.cache.Get(key); errors.Is(err, routecache.ErrInvalidKey) || errors.Is(err, routecache.ErrClosed) {
			writeCacheError(w, err)
			return
		}
		http.Error(w, "no route for "+key.String(), http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// getStats writes the cache's Stats; their JSON tags name the fields.
func (p *Proxy) getStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, p.cache.Stats())
}

// writeCacheError maps the cache's sentinel errors to HTTP statuses; the
// body is the error's own text, which says what was wrong.
func writeCacheError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, routecache.ErrInvalidKey),
		errors.Is(err, routecache.ErrInvalidRoute),
		errors.Is(err, routecache.ErrInvalidTTL):
		status = http.StatusBadRequest
	case errors.Is(err, routecache.ErrNotFound),
		errors.Is(err, routecache.ErrExpired):
		status = http.StatusNotFound
	case errors.Is(err, routecache.ErrClosed):
		status = http.StatusServiceUnavailable
	}
	http.Error(w, err.Error(), status)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the status line is out; a failed write has no one left to tell
}
