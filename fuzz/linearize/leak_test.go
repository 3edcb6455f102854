package linearize

import (
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/c41db742/routecache"
)

// TestMain fails the package if any test leaves a goroutine running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// leakConfigs are the configurations that start a background goroutine:
// the default clock (refreshed by it) and any positive PruneInterval.
func leakConfigs() map[string]routecache.Config[string] {
	fake := routecache.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	return map[string]routecache.Config[string]{
		"default clock, default sweep":         {},
		"default clock, sweep every 1ms":       {PruneInterval: time.Millisecond},
		"default clock, no sweep":              {PruneInterval: -1},
		"fake clock, sweep every 1ms":          {PruneInterval: time.Millisecond, Clock: fake},
		"fake clock, 1ns TTL, sweep every 1ns": {PruneInterval: time.Nanosecond, Clock: fake, TTL: time.Nanosecond},
	}
}

// TestNewCloseLeavesNothingRunning creates, uses and closes caches with
// background work on, many at once, and checks that no goroutine remains.
func TestNewCloseLeavesNothingRunning(t *testing.T) {
	for name, cfg := range leakConfigs() {
		t.Run(name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 10 {
						c, err := routecache.New(cfg)
						if err != nil {
							t.Errorf("New: %v", err)
							return
						}
						k := routecache.Key{Channel: "c", Bridge: "b", Room: "r", Thread: string(rune('a' + g))}
						_ = c.Set(k, "v")
						_, _ = c.Resolve(k, "fallback")
						c.Prune()
						if i%2 == 0 {
							_ = c.Close() // closed twice half of the time
						}
						if err := c.Close(); err != nil {
							t.Errorf("Close: %v", err)
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// TestLeakCheckSeesAnUnclosedCache is the leak check's negative control: a
// cache that is not closed leaves its background goroutines running (the
// sweeper, and the clock refresher), and goleak must name them; after
// Close it must find nothing.
func TestLeakCheckSeesAnUnclosedCache(t *testing.T) {
	before := goleak.IgnoreCurrent()
	c, err := routecache.New(routecache.Config[string]{PruneInterval: time.Millisecond})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	leak := goleak.Find(before)
	for _, loop := range []string{"routecache.(*Cache[...]).runSweeper", "routecache.(*Cache[...]).refreshCoarse"} {
		if leak == nil || !strings.Contains(leak.Error(), loop) {
			t.Errorf("goleak.Find with an open cache = %v, want %s", leak, loop)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := goleak.Find(before); err != nil {
		t.Errorf("after Close: %v", err)
	}
}
