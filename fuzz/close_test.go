package fuzz

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/c41db742/routecache"
)

// TestCloseUnderLoad closes a cache, from several goroutines at once, while
// workers keep calling every operation; run it under -race. An operation
// racing with Close may see the cache open or closed, but every answer is
// one of the two; once a worker knows Close has returned, it must see the
// closed answers of the SPEC: ErrClosed from Set and Get, nothing from
// Delete, Prune and All, and Resolve answering from its fallbacks alone.
// The default clock and a long TTL make nothing expire, and the background
// goroutine (coarse clock and a sweep every millisecond) runs throughout.
func TestCloseUnderLoad(t *testing.T) {
	const (
		workers        = 6
		opsBeforeClose = 300
		opsAfterClose  = 300
		closers        = 3
	)
	c, err := routecache.New(routecache.Config[string]{
		Shards:             4,
		TTL:                time.Hour,
		MaxEntriesPerShard: 8,
		PruneInterval:      time.Millisecond,
		Validate:           validateRoute,
	})
	require.NoError(t, err)

	var closed atomic.Bool // set once a Close call has returned
	warmedUp := make(chan struct{}, workers)
	var wg sync.WaitGroup
	problems := make([][]string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := stressKeys(fmt.Sprint("w", w))
			var afterClose int
			for i := 0; afterClose < opsAfterClose && len(problems[w]) < 5; i++ {
				if i == opsBeforeClose {
					warmedUp <- struct{}{}
				}
				knownClosed := closed.Load()
				if knownClosed {
					afterClose++
				}
				if p := closingOp(c, keys[i%len(keys)], i, knownClosed); p != "" {
					problems[w] = append(problems[w], fmt.Sprintf("worker %d, op %d (closed known: %v): %s", w, i, knownClosed, p))
				}
			}
		}()
	}
	for range workers {
		<-warmedUp
	}
	var closing sync.WaitGroup
	for range closers {
		closing.Add(1)
		go func() {
			defer closing.Done()
			assert.NoError(t, c.Close(), "concurrent Close")
		}()
	}
	closing.Wait()
	closed.Store(true)
	wg.Wait()
	for _, ps := range problems {
		for _, p := range ps {
			t.Error(p)
		}
	}
	assert.NoError(t, c.Close(), "Close after Close")
	assert.Equal(t, c.Len(), c.Stats().Entries, "a closed cache still answers Len and Stats")
}

// closingOp runs operation i on k and returns what was wrong with the
// answer, or "". When knownClosed, only the closed answers are right.
func closingOp(c *routecache.Cache[string], k routecache.Key, i int, knownClosed bool) string {
	route := fmt.Sprint("r", i)
	openOr := func(err error, open ...error) string {
		if errors.Is(err, routecache.ErrClosed) {
			return ""
		}
		if knownClosed {
			return fmt.Sprintf("got %v, want ErrClosed", err)
		}
		if err == nil && len(open) == 0 {
			return ""
		}
		for _, o := range open {
			if errors.Is(err, o) {
				return ""
			}
		}
		return fmt.Sprintf("got %v", err)
	}
	switch i % 8 {
	case 0, 1:
		return openOr(c.Set(k, route))
	case 2:
		_, err := c.Get(k)
		if err == nil {
			return openOr(nil)
		}
		return openOr(err, routecache.ErrNotFound)
	case 3:
		res, err := c.Resolve(k, badRoute, route)
		switch {
		case err != nil:
			return fmt.Sprintf("Resolve with a valid fallback = %v", err)
		case res.Reason == routecache.ReasonUnavailable:
			if res.Route != route || res.Source != routecache.SourceFallback || res.Stale {
				return fmt.Sprintf("closed Resolve = %+v, want fallback %q", res, route)
			}
		case knownClosed:
			return fmt.Sprintf("Resolve after Close = %+v, want Reason unavailable", res)
		}
		return ""
	case 4:
		_, err := c.Resolve(k)
		if err == nil {
			return openOr(nil)
		}
		return openOr(err, routecache.ErrNoRoute)
	case 5:
		if c.Delete(k) && knownClosed {
			return "Delete after Close removed an entry"
		}
	case 6:
		if n := c.Prune(); n != 0 && knownClosed {
			return fmt.Sprintf("Prune after Close = %d", n)
		}
	case 7:
		for k := range c.All() {
			if knownClosed {
				return fmt.Sprintf("All after Close yielded %s", k)
			}
		}
		if _, err := c.Resolve(routecache.Key{Channel: "x", Bridge: "y"}, route); !errors.Is(err, routecache.ErrInvalidKey) {
			return fmt.Sprintf("Resolve with an empty room = %v, want ErrInvalidKey", err)
		}
	}
	return ""
}
