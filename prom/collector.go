// Package prom exports the counters of a routecache.Cache to Prometheus.
//
// A Collector reads the cache's Stats once per scrape and turns them into
// constant metrics; it never walks the cache's entries, so a scrape costs the
// same whether the cache holds ten routes or ten million.
//
// Register one Collector per cache:
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(prom.NewCollector(cache, prom.Options{}))
//
// Several caches in one process share metric names and tell themselves apart
// by a constant label (Options.ConstLabels), or live under different names
// (Options.Namespace, Options.Subsystem).
package prom

import (
	"github.com/c41db742/routecache"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultNamespace prefixes every metric name when Options.Namespace is empty.
const DefaultNamespace = "routecache"

// Label values of routecache_resolutions_total's "source" label. They match
// routecache.Source's String values.
const (
	SourceExact    = "exact"
	SourceRoom     = "room"
	SourceFallback = "fallback"
)

// Label values of routecache_evictions_total's "reason" label.
const (
	// ReasonCapacity: a full shard gave up its soonest-expiring route.
	ReasonCapacity = "capacity"
	// ReasonExpired: a route's TTL ran out and a lookup, Prune or the
	// background sweep removed it.
	ReasonExpired = "expired"
)

// Options name the metrics of one Collector. The zero value gives the
// routecache_* names with no constant label.
type Options struct {
	// Namespace is the first part of every metric name; "" means
	// DefaultNamespace.
	Namespace string
	// Subsystem, when set, goes between the namespace and the metric's own
	// name: Namespace "edge", Subsystem "sessions" gives edge_sessions_entries.
	Subsystem string
	// ConstLabels are attached to every metric of this Collector. Give each
	// cache of a process its own value, e.g. prometheus.Labels{"cache": "sessions"},
	// so several Collectors register side by side under the same names.
	// Invalid label names are reported when the Collector is registered.
	ConstLabels prometheus.Labels
}

// Collector is a prometheus.Collector for one routecache.Cache. It holds no
// counter of its own: every scrape reports the cache's Stats as they are at
// that moment, so it is safe for concurrent scrapes and needs no updating.
// Create it with NewCollector; the zero value is not usable.
type Collector struct {
	// stats returns the cache's counters; called once per Collect.
	stats func() routecache.Stats

	entries     *prometheus.Desc
	sets        *prometheus.Desc
	resolutions *prometheus.Desc
	misses      *prometheus.Desc
	stale       *prometheus.Desc
	evictions   *prometheus.Desc
	loads       *prometheus.Desc
	loadErrors  *prometheus.Desc
}

// NewCollector returns a Collector reporting the Stats of cache under the
// names chosen by opts. It keeps a reference to cache; collecting after the
// cache is closed still reports its final counters. Cost: eight descriptors
// built once; nothing is allocated per entry.
func NewCollector[V any](cache *routecache.Cache[V], opts Options) *Collector {
	return newCollector(cache.Stats, opts)
}

// newCollector builds a Collector over any source of Stats; tests use it to
// count how often a scrape reads them.
func newCollector(stats func() routecache.Stats, opts Options) *Collector {
	namespace := opts.Namespace
	if namespace == "" {
		namespace = DefaultNamespace
	}
	desc := func(name, help string, variableLabels ...string) *prometheus.Desc {
		fqName := prometheus.BuildFQName(namespace, opts.Subsystem, name)
		return prometheus.NewDesc(fqName, help, variableLabels, opts.ConstLabels)
	}
	return &Collector{
		stats: stats,
		entries: desc("entries",
			"Routes held by the cache, expired routes not yet removed included."),
		sets: desc("sets_total",
			"Routes stored by successful Set and SetWithTTL calls; routes Resolve stores are not counted."),
		resolutions: desc("resolutions_total",
			"Lookups answered with a route, by where the route came from: exact (the key's own route, by Get or Resolve), room (the room's route, by Resolve) or fallback (a route the caller supplied, by Resolve).",
			"source"),
		misses: desc("misses_total",
			"Lookups that found no route: Get finding nothing or an expired route, Resolve finding no route at all."),
		stale: desc("stale_routes_total",
			"Expired routes met by Get or Resolve, each removed on the spot."),
		evictions: desc("evictions_total",
			"Routes removed by the cache itself, by reason: capacity (a full shard made room) or expired (the TTL ran out). Deletions are not counted.",
			"reason"),
		loads: desc("loads_total",
			"Loads ResolveWith started: one per load, however many callers shared its answer."),
		loadErrors: desc("load_errors_total",
			"Loads that gave no route to store: the loader failed, panicked or gave a negative TTL, or Validate refused its route."),
	}
}

// Describe sends the descriptors of every metric the Collector reports.
// Implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.sets
	ch <- c.resolutions
	ch <- c.misses
	ch <- c.stale
	ch <- c.evictions
	ch <- c.loads
	ch <- c.loadErrors
}

// Collect reads the cache's Stats once and sends eleven metrics built from
// that one reading, so the series of a scrape agree with each other as far
// as Stats does. Cost: one Stats call (the counter stripes and one atomic
// load per shard, no lock) and eleven small allocations, whatever the number
// of entries. Implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	send := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		m, err := prometheus.NewConstMetric(d, t, v, labels...)
		if err != nil {
			// Only a descriptor with invalid Options fails here, and the
			// registry refuses such a Collector first; a Collector used
			// without a registry still reports the error instead of panicking.
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		send(d, prometheus.GaugeValue, float64(v), labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		send(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(c.entries, s.Entries)
	counter(c.sets, s.Sets)
	counter(c.resolutions, s.Hits, SourceExact)
	counter(c.resolutions, s.RoomHits, SourceRoom)
	counter(c.resolutions, s.FallbackHits, SourceFallback)
	counter(c.misses, s.Misses)
	counter(c.stale, s.Stale)
	counter(c.evictions, s.Evictions, ReasonCapacity)
	counter(c.evictions, s.Expirations, ReasonExpired)
	counter(c.loads, s.Loads)
	counter(c.loadErrors, s.LoadErrors)
}
