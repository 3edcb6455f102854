package fuzz

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c41db742/routecache"
)

// maxOps bounds one input's operations, so a long input costs no more than
// a few hundred microseconds and the fuzzer keeps thousands of execs a
// second.
const maxOps = 512

// FuzzOps is the differential fuzzer: the first byte picks a configuration
// (opsConfigs), the rest decode into operations (decodeOps), and every
// operation runs on a fresh cache and on the reference model (refModel).
// After each operation it compares the result (route, error by errors.Is,
// Source, Reason, Stale, record times), the OnEvict calls, Stats and Len; on
// All it compares the live set. Background pruning is off and the clock is a
// FakeClock, so the cache is as deterministic as the model.
func FuzzOps(f *testing.F) {
	configs := opsConfigs()
	spaces := make([]*keySpace, len(configs))
	for i, cfg := range configs {
		spaces[i] = newKeySpace(cfg.effectiveMaxKeyBytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		i := int(data[0]) % len(configs)
		ops := decodeOps(data[1:])
		if len(ops) > maxOps {
			ops = ops[:maxOps]
		}
		d := newOpsDriver(t, configs[i], spaces[i], ops)
		defer d.cache.Close()
		for d.step = range ops {
			d.run(ops[d.step])
		}
		d.finish()
	})
}

// opsDriver runs one decoded input against a cache and the model.
type opsDriver struct {
	t        *testing.T
	cfg      opsConfig
	space    *keySpace
	clock    *routecache.FakeClock
	cache    *routecache.Cache[string]
	model    *refModel
	rec      *evictRecorder[string]
	observed []evictCall[string] // the cache's OnEvict calls of the current operation
	ops      []op
	step     int    // index of the operation running, for failure messages
	probe    string // the closed-cache probe running after the operations, if any
}

func newOpsDriver(t *testing.T, cfg opsConfig, space *keySpace, ops []op) *opsDriver {
	d := &opsDriver{t: t, cfg: cfg, space: space, ops: ops, step: -1, rec: &evictRecorder[string]{}}
	d.clock = routecache.NewFakeClock(fuzzStart())
	c, err := routecache.New(routecache.Config[string]{
		Shards:             cfg.shards,
		TTL:                fuzzTTL,
		MaxEntriesPerShard: cfg.capacity,
		PruneInterval:      -1,
		MaxKeyBytes:        cfg.maxKeyBytes,
		Clock:              d.clock,
		Validate:           validateRoute,
		OnEvict:            d.rec.record,
	})
	if err != nil {
		t.Fatalf("%s: New: %v", cfg.name, err)
	}
	d.cache = c
	wantShards := cfg.shards
	if wantShards == 0 {
		wantShards = max(2, 2*runtime.GOMAXPROCS(0))
	}
	if c.Shards() != wantShards {
		d.fail("Shards() = %d, want %d", c.Shards(), wantShards)
	}
	d.model = newRefModel(modelOptions{
		ttl:         fuzzTTL,
		capacity:    cfg.effectiveCapacity(),
		maxKeyBytes: cfg.effectiveMaxKeyBytes(),
		exactOrder:  cfg.exactOrder,
	}, d.clock, c.Shards(), d.shardOf)
	return d
}

// shardOf is the model's shard assignment: the cache's own, checked to be
// in range and deterministic each time it is asked.
func (d *opsDriver) shardOf(k routecache.Key) int {
	s := d.cache.ShardOf(k)
	if s < 0 || s >= d.cache.Shards() {
		d.fail("ShardOf(%q) = %d, outside [0, %d)", k.String(), s, d.cache.Shards())
	}
	if again := d.cache.ShardOf(k); again != s {
		d.fail("ShardOf(%q) changed from %d to %d", k.String(), s, again)
	}
	return s
}

// fail stops the input with msg, the operation that failed and the
// operations before it.
func (d *opsDriver) fail(format string, args ...any) {
	d.t.Helper()
	var trace strings.Builder
	for i, o := range d.ops[:d.step+1] {
		fmt.Fprintf(&trace, "  %3d %s\n", i, o.describe(d.space, d.cfg))
	}
	where := fmt.Sprintf("op %d", d.step)
	if d.probe != "" {
		where = "after all operations and Close, probe " + d.probe
	}
	d.t.Fatalf("config %s, %s: %s\noperations:\n%s", d.cfg.name, where, fmt.Sprintf(format, args...), trace.String())
}

// modelTurn collects the cache's OnEvict calls of the operation that just
// ran and hands them to the model, which must run next.
func (d *opsDriver) modelTurn() {
	d.observed = d.rec.drain(d.observed[:0])
	d.model.observed = d.observed
}

func (d *opsDriver) run(o op) {
	c, m := d.cache, d.model
	k := d.space.keys[o.key]
	switch o.kind {
	case opSet:
		route := routeFor(o.route)
		err := c.Set(k, route)
		d.modelTurn()
		d.checkErr("Set", err, m.Set(k, route, 0))
	case opBurst:
		// The model runs the first write as a Set and the others as
		// rewrites of the entry it made, which cost it next to nothing (a
		// burst is most of what an input holding one costs); a write that
		// left no such entry, having evicted itself, runs as a Set again.
		route, si := burstRoute(o.route), d.shardOf(k)
		for i := range d.cfg.burstWrites() {
			err := c.Set(k, route)
			d.modelTurn()
			if i > 0 && m.Rewrite(si, k) {
				d.checkErr("Set in the burst", err, nil)
			} else {
				d.checkErr("Set in the burst", err, m.Set(k, route, 0))
			}
			d.checkEvictions()
		}
		d.modelTurn() // the last write's calls are checked; start the common checks afresh
	case opSetWithTTL:
		route, ttl := routeFor(o.route), ttlFor(o.arg, d.cfg.exactOrder)
		err := c.SetWithTTL(k, route, ttl)
		d.modelTurn()
		d.checkErr("SetWithTTL", err, m.Set(k, route, ttl))
	case opGet:
		got, err := c.Get(k)
		d.modelTurn()
		want, wantErr := m.Get(k)
		d.checkGet(got, err, want, wantErr)
	case opResolve:
		fallbacks := make([]string, o.nFallbacks)
		for i := range fallbacks {
			fallbacks[i] = routeFor(o.fallbacks[i])
		}
		got, err := c.Resolve(k, fallbacks...)
		d.modelTurn()
		want, wantErr := m.Resolve(k, fallbacks)
		d.checkResolve(got, err, want, wantErr)
	case opResolveWith:
		fallbacks := make([]string, o.nFallbacks)
		for i := range fallbacks {
			fallbacks[i] = routeFor(o.fallbacks[i])
		}
		load := loadFor(o.arg, d.cfg.exactOrder)
		got, err := c.ResolveWith(context.Background(), k, load.loader(), fallbacks...)
		d.modelTurn()
		want, wantErr := m.ResolveWith(k, load, fallbacks)
		d.checkResolve(got, err, want, wantErr)
	case opDelete:
		got := c.Delete(k)
		d.modelTurn()
		if want := m.Delete(k); got != want {
			d.fail("Delete = %v, want %v", got, want)
		}
	case opPrune:
		got := c.Prune()
		d.modelTurn()
		if want := m.Prune(); got != want {
			d.fail("Prune = %d, want %d", got, want)
		}
	case opAdvance:
		d.clock.Advance(smallStep(o.arg))
		d.modelTurn()
	case opAdvancePastTTL:
		d.clock.Advance(pastTTLStep(o.arg))
		d.modelTurn()
	case opSetClockBack:
		if d.cfg.exactOrder {
			d.clock.Advance(smallStep(o.arg))
		} else {
			d.clock.Set(clockBackTarget(d.clock.Now(), o.arg))
		}
		d.modelTurn()
	case opAll:
		d.modelTurn()
		d.checkAll()
	case opClose:
		err := c.Close()
		d.modelTurn()
		m.closed = true
		if err != nil {
			d.fail("Close = %v, want nil", err)
		}
	}
	m.clockMoved()
	d.checkEvictions()
	d.checkCounters()
}

func (d *opsDriver) checkErr(what string, err error, allowed []error) {
	if !errIn(err, allowed) {
		d.fail("%s = %v, want one of %v", what, err, allowed)
	}
}

func (d *opsDriver) checkGet(got routecache.Record[string], err error, want *refEntry, wantErr error) {
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			d.fail("Get = %+v, %v; want error %v", got, err, wantErr)
		}
		return
	}
	if err != nil || !want.matches(got) {
		d.fail("Get = %+v, %v; want %+v", got, err, want.record())
	}
}

func (d *opsDriver) checkResolve(got routecache.Resolution[string], err error, want routecache.Resolution[string], wantErr error) {
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			d.fail("Resolve = %s, %v; want error %v", formatResolution(got), err, wantErr)
		}
		return
	}
	if err != nil || got != want {
		d.fail("Resolve = %s, %v;\n want %s", formatResolution(got), err, formatResolution(want))
	}
	if got.Fallback() != (got.Source != routecache.SourceExact) {
		d.fail("Resolution.Fallback() = %v for Source %v", got.Fallback(), got.Source)
	}
}

// checkEvictions compares the operation's OnEvict calls with the model's.
func (d *opsDriver) checkEvictions() {
	want := d.model.takeExpected()
	if d.model.violation != "" {
		d.fail("%s", d.model.violation)
	}
	if !sameCalls(d.observed, want) {
		d.fail("OnEvict calls %v, want %v", d.observed, want)
	}
}

// checkCounters compares Stats and Len after every operation.
func (d *opsDriver) checkCounters() {
	got, want := d.cache.Stats(), d.model.Stats()
	if got != want {
		d.fail("Stats = %+v,\n want %+v", got, want)
	}
	if n := d.cache.Len(); n != want.Entries {
		d.fail("Len = %d, want %d", n, want.Entries)
	}
}

// checkAll compares the live set All yields with the model's, and checks
// that stopping the iteration early is safe.
func (d *opsDriver) checkAll() {
	want := d.model.live()
	seen := make(map[routecache.Key]bool, len(want))
	for k, r := range d.cache.All() {
		if seen[k] {
			d.fail("All yielded %q twice", k.String())
		}
		seen[k] = true
		e, ok := want[k]
		if !ok {
			d.fail("All yielded %q = %+v, which is not live", k.String(), r)
		}
		if !e.matches(r) {
			d.fail("All yielded %q = %+v, want %+v", k.String(), r, e.record())
		}
	}
	if len(seen) != len(want) {
		d.fail("All yielded %d routes, want %d", len(seen), len(want))
	}
	yielded := 0
	for range d.cache.All() {
		yielded++
		break
	}
	if yielded != min(1, len(want)) {
		d.fail("All stopped after %d routes, want %d", yielded, min(1, len(want)))
	}
}

// finish compares the final live set, closes the cache and checks what a
// closed cache answers.
func (d *opsDriver) finish() {
	d.step = len(d.ops) - 1
	if !d.model.closed {
		d.checkAll()
		if err := d.cache.Close(); err != nil {
			d.fail("Close = %v, want nil", err)
		}
		d.model.closed = true
	}
	valid := d.space.keys[0]
	invalid := d.space.keys[0b0000_1100] // empty room
	c, m := d.cache, d.model
	probes := []struct {
		name string
		run  func()
	}{
		{"Set", func() { d.checkErr("Set after Close", c.Set(valid, "r1"), m.Set(valid, "r1", 0)) }},
		{"SetWithTTL", func() {
			d.checkErr("SetWithTTL after Close", c.SetWithTTL(valid, "r1", fuzzTTL), m.Set(valid, "r1", fuzzTTL))
		}},
		{"Set invalid key", func() { d.checkErr("Set after Close", c.Set(invalid, "r1"), m.Set(invalid, "r1", 0)) }},
		{"Get", func() {
			got, err := c.Get(valid)
			want, wantErr := m.Get(valid)
			d.checkGet(got, err, want, wantErr)
		}},
		{"Resolve with fallbacks", func() {
			got, err := c.Resolve(valid, badRoute, "r2", "r3")
			want, wantErr := m.Resolve(valid, []string{badRoute, "r2", "r3"})
			d.checkResolve(got, err, want, wantErr)
		}},
		{"Resolve without fallbacks", func() {
			got, err := c.Resolve(valid)
			want, wantErr := m.Resolve(valid, nil)
			d.checkResolve(got, err, want, wantErr)
		}},
		{"ResolveWith", func() {
			var called atomic.Bool
			load := func(context.Context, routecache.Key) (string, time.Duration, error) {
				called.Store(true)
				return "l0", 0, nil
			}
			got, err := c.ResolveWith(context.Background(), valid, load, badRoute, "r2")
			want, wantErr := m.ResolveWith(valid, loadBehaviour{route: "l0"}, []string{badRoute, "r2"})
			d.checkResolve(got, err, want, wantErr)
			got, err = c.ResolveWith(context.Background(), valid, load)
			want, wantErr = m.ResolveWith(valid, loadBehaviour{route: "l0"}, nil)
			d.checkResolve(got, err, want, wantErr)
			if called.Load() {
				d.fail("ResolveWith after Close called its loader")
			}
		}},
		{"Resolve invalid key", func() {
			got, err := c.Resolve(invalid, "r2")
			want, wantErr := m.Resolve(invalid, []string{"r2"})
			d.checkResolve(got, err, want, wantErr)
		}},
		{"Delete", func() {
			if c.Delete(valid) {
				d.fail("Delete after Close = true")
			}
		}},
		{"Prune", func() {
			if n := c.Prune(); n != 0 {
				d.fail("Prune after Close = %d", n)
			}
		}},
		{"All", func() { d.checkAll() }},
		{"Close again", func() {
			if err := c.Close(); err != nil {
				d.fail("second Close = %v", err)
			}
		}},
	}
	for _, p := range probes {
		d.probe = p.name
		p.run()
		d.modelTurn()
		d.checkEvictions()
		d.checkCounters()
	}
}

// formatResolution prints r with its key quoted: fields may hold any bytes.
func formatResolution(r routecache.Resolution[string]) string {
	return fmt.Sprintf("{Route:%q Key:%q Shard:%d Source:%v Stale:%v Reason:%v}",
		r.Route, r.Key.String(), r.Shard, r.Source, r.Stale, r.Reason)
}
