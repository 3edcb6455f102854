// Command proxy is an example HTTP reverse proxy that keeps every chat
// session on the upstream it was first sent to, using routecache.
//
//	go run . -upstream a=http://127.0.0.1:9001 -upstream b=http://127.0.0.1:9002
//
// Clients name their session in the X-Route-Channel, X-Route-Bridge,
// X-Route-Room and X-Route-Thread headers. The admin listener serves
// /admin/route, /admin/stats and /metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/c41db742/routecache"
)

// options are the command-line settings.
type options struct {
	listen    string
	admin     string
	upstreams upstreamList
	cache     routecache.Config[string]
	nats      string // NATS URL(s) of the fleet's bucket; "": no fleet
	directory string // route directory URL; "": none (directory.go)
}

// parseFlags reads the command line; errors have been printed to stderr.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address for proxied traffic")
	fs.StringVar(&o.admin, "admin", "127.0.0.1:8081", "address for /admin and /metrics; keep it private")
	fs.Var(&o.upstreams, "upstream", "upstream as name=http://host:port; repeat for each")
	fs.DurationVar(&o.cache.TTL, "ttl", 30*time.Minute, "how long a session's route is remembered")
	fs.IntVar(&o.cache.Shards, "shards", 0, "cache shards (0: twice the CPUs, at least 2)")
	fs.IntVar(&o.cache.MaxEntriesPerShard, "capacity", 0, "routes per shard (0: 10000)")
	fs.StringVar(&o.nats, "nats", "", "NATS server URL(s), comma-separated: share route writes with every proxy on that JetStream")
	fs.StringVar(&o.directory, "directory", "", "route directory URL, asked once per unknown session: GET URL?key=KEY answers {\"route\": NAME, \"ttl\": SECONDS}")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintln(stderr, err)
		return o, err
	}
	if err := checkUpstreams(o.upstreams); err != nil {
		err = fmt.Errorf("%w (give -upstream name=http://host:port)", err)
		fmt.Fprintln(stderr, err)
		return o, err
	}
	if o.cache.TTL <= 0 || o.cache.Shards < 0 || o.cache.MaxEntriesPerShard < 0 {
		err := errors.New("-ttl must be positive, -shards and -capacity not negative")
		fmt.Fprintln(stderr, err)
		return o, err
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

// run serves traffic and admin until ctx is done, then drains both servers
// before closing the cache, so no request in flight loses its route.
func run(ctx context.Context, o options) error {
	p, err := NewProxy(Config{Upstreams: o.upstreams, Cache: o.cache, Directory: o.directory})
	if err != nil {
		return err
	}
	defer p.Close()
	admin, leaveFleet, err := adminFor(ctx, o.nats, p)
	if err != nil {
		return err
	}
	defer leaveFleet()

	servers := []*http.Server{
		{Addr: o.listen, Handler: p, ReadHeaderTimeout: 10 * time.Second},
		{Addr: o.admin, Handler: admin, ReadHeaderTimeout: 10 * time.Second},
	}
	failed := make(chan error, len(servers))
	for _, s := range servers {
		go func() {
			if err := s.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				failed <- fmt.Errorf("%s: %w", s.Addr, err)
			}
		}()
	}
	log.Printf("proxy: traffic on %s, admin on %s, upstreams %s", o.listen, o.admin, o.upstreams.String())

	select {
	case <-ctx.Done():
		err = nil
	case err = <-failed:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdownCtx)
	}
	return err
}
