package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/c41db742/routecache/fleet"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// fleetMember shares the proxy's route writes with every proxy that joins
// the same NATS JetStream bucket: a room moved through one proxy's admin
// endpoint moves on all of them, and a restarted proxy starts warm.
type fleetMember struct {
	conn   *nats.Conn
	member *fleet.Member[string]
}

// joinFleet connects to the NATS servers at url (comma-separated) and makes
// p's cache a fleet member. Reads stay local; only admin writes travel.
func joinFleet(ctx context.Context, url string, p *Proxy) (*fleetMember, error) {
	conn, err := nats.Connect(url, nats.Name("routecache proxy"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("nats %s: %w", url, err)
	}
	js, err := jetstream.New(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	joinCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := fleet.Join(joinCtx, js, p.cache, fleet.Config[string]{})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &fleetMember{conn: conn, member: m}, nil
}

// Close leaves the fleet and closes the connection; the cache stays open.
func (f *fleetMember) Close() error {
	err := f.member.Close()
	f.conn.Close()
	return err
}

// adminHandler is the proxy's admin handler with PUT and DELETE
// /admin/route going through the fleet. When NATS is unreachable the write
// still applies here and is shared once NATS is back; the answer is then
// 202 Accepted with the reason, not 204.
func (f *fleetMember) adminHandler(p *Proxy) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", p.AdminHandler())
	mux.HandleFunc("PUT /admin/route", func(w http.ResponseWriter, r *http.Request) {
		var ttl time.Duration // 0: the cache's TTL
		if raw := r.URL.Query().Get("ttl"); raw != "" {
			var err error
			if ttl, err = time.ParseDuration(raw); err != nil {
				http.Error(w, "ttl: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		err := f.member.SetWithTTL(r.Context(), keyFromQuery(r), r.URL.Query().Get("upstream"), ttl)
		writeFleetResult(w, err)
	})
	mux.HandleFunc("DELETE /admin/route", func(w http.ResponseWriter, r *http.Request) {
		writeFleetResult(w, f.member.Delete(r.Context(), keyFromQuery(r)))
	})
	mux.HandleFunc("GET /admin/fleet", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, f.member.Stats())
	})
	return mux
}

func writeFleetResult(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, fleet.ErrUnavailable):
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintln(w, "applied on this proxy only, for now:", err)
	default:
		writeCacheError(w, err)
	}
}

// adminFor returns the admin handler of p: the fleet's when natsURL is
// set, with the function that leaves the fleet, else p's own.
func adminFor(ctx context.Context, natsURL string, p *Proxy) (http.Handler, func(), error) {
	if natsURL == "" {
		return p.AdminHandler(), func() {}, nil
	}
	f, err := joinFleet(ctx, natsURL, p)
	if err != nil {
		return nil, nil, err
	}
	return f.adminHandler(p), func() { _ = f.Close() }, nil
}
