package prom_test

import (
	"fmt"
	"strings"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/prom"
	"github.com/prometheus/client_golang/prometheus"
)

func ExampleNewCollector() {
	cache, err := routecache.New(routecache.Config[string]{PruneInterval: -1})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	lobby := routecache.Key{Channel: "telegram", Bridge: "bot-1", Room: "lobby"}
	_ = cache.Set(lobby, "upstream-a")
	_, _ = cache.Resolve(lobby)

	reg := prometheus.NewRegistry()
	reg.MustRegister(prom.NewCollector(cache, prom.Options{
		ConstLabels: prometheus.Labels{"cache": "sessions"},
	}))

	// What a scrape of reg would show, one series a line.
	families, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, family := range families {
		for _, m := range family.GetMetric() {
			var labels []string
			for _, pair := range m.GetLabel() {
				labels = append(labels, pair.GetName()+"="+pair.GetValue())
			}
			value := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			fmt.Println(family.GetName(), strings.Join(labels, ","), value)
		}
	}
	// Output:
	// routecache_entries cache=sessions 1
	// routecache_evictions_total cache=sessions,reason=capacity 0
	// routecache_evictions_total cache=sessions,reason=expired 0
	// routecache_load_errors_total cache=sessions 0
	// routecache_loads_total cache=sessions 0
	// routecache_misses_total cache=sessions 0
	// routecache_resolutions_total cache=sessions,source=exact 1
	// routecache_resolutions_total cache=sessions,source=fallback 0
	// routecache_resolutions_total cache=sessions,source=room 0
	// routecache_sets_total cache=sessions 1
	// routecache_stale_routes_total cache=sessions 0
}
