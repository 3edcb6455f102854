package linearize

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/c41db742/routecache"
)

// store is what the clients of a history call: the cache itself, or a
// wrapper around it. Each method reports an answer the SPEC does not allow
// at all (an unexpected error) as an error; porcupine judges the rest.
type store interface {
	set(client, key, value int) error
	get(client, key int) (opOutput, error)
	resolve(client, key int) (opOutput, error)
	resolveWith(client, key int) (opOutput, error)
	delete(client, key int) bool
}

// cacheStore runs the operations on a routecache.Cache.
type cacheStore struct {
	cache *routecache.Cache[int]
	keys  []routecache.Key
	// loader answers loadedValue, or fails for failingKey. It also checks
	// that no two loads of a key overlap: inFlight counts each key's loads
	// running, and overlaps those that found another one running.
	loader   routecache.Loader[int]
	inFlight []atomic.Int32
	overlaps atomic.Int64
}

// newLoader returns s's loader; s.keys must be complete.
func (s *cacheStore) newLoader() routecache.Loader[int] {
	index := make(map[routecache.Key]int, len(s.keys))
	for i, k := range s.keys {
		index[k] = i
	}
	s.inFlight = make([]atomic.Int32, len(s.keys))
	return func(_ context.Context, k routecache.Key) (int, time.Duration, error) {
		key := index[k]
		if s.inFlight[key].Add(1) > 1 {
			s.overlaps.Add(1)
		}
		defer s.inFlight[key].Add(-1)
		runtime.Gosched() // let other callers of the key arrive while it loads
		if key == failingKey {
			return 0, 0, errLoadFailed
		}
		return loadedValue(key), 0, nil
	}
}

// errLoadFailed is the failing key's load error.
var errLoadFailed = errors.New("linearize: load fails on purpose")

func (s *cacheStore) set(_, key, value int) error {
	return s.cache.Set(s.keys[key], value)
}

func (s *cacheStore) get(_, key int) (opOutput, error) {
	r, err := s.cache.Get(s.keys[key])
	switch {
	case err == nil:
		return opOutput{value: r.Route, found: true}, nil
	case errors.Is(err, routecache.ErrNotFound):
		return opOutput{}, nil
	}
	return opOutput{}, fmt.Errorf("Get: %w", err)
}

func (s *cacheStore) resolve(_, key int) (opOutput, error) {
	res, err := s.cache.Resolve(s.keys[key])
	switch {
	case errors.Is(err, routecache.ErrNoRoute):
		return opOutput{}, nil
	case err != nil:
		return opOutput{}, fmt.Errorf("Resolve: %w", err)
	case res.Source != routecache.SourceExact || res.Reason != routecache.ReasonNone || res.Stale:
		return opOutput{}, fmt.Errorf("Resolve without fallbacks answered %+v", res)
	}
	return opOutput{value: res.Route, found: true}, nil
}

func (s *cacheStore) resolveWith(_, key int) (opOutput, error) {
	res, err := s.cache.ResolveWith(context.Background(), s.keys[key], s.loader)
	switch {
	case errors.Is(err, routecache.ErrLoad) && errors.Is(err, errLoadFailed):
		return opOutput{}, nil
	case err != nil:
		return opOutput{}, fmt.Errorf("ResolveWith: %w", err)
	case res.Source == routecache.SourceLoaded && res.Reason == routecache.ReasonMiss && !res.Stale:
		return opOutput{value: res.Route, found: true, loaded: true}, nil
	case res.Source != routecache.SourceExact || res.Reason != routecache.ReasonNone || res.Stale:
		return opOutput{}, fmt.Errorf("ResolveWith without fallbacks answered %+v", res)
	}
	return opOutput{value: res.Route, found: true}, nil
}

func (s *cacheStore) delete(_, key int) bool {
	return s.cache.Delete(s.keys[key])
}

// historyClock is the one monotonic source of call and return timestamps:
// a counter, so that "returned before the other was called" is exact and
// no two events share a timestamp.
type historyClock struct{ now atomic.Int64 }

func (c *historyClock) tick() int64 { return c.now.Add(1) }

// recordOp runs one operation of client on s and records it.
func recordOp(clock *historyClock, s store, client int, in opInput) (porcupine.Operation, error) {
	var out opOutput
	var err error
	call := clock.tick()
	switch in.kind {
	case opSet:
		err = s.set(client, in.key, in.value)
	case opGet:
		out, err = s.get(client, in.key)
	case opResolve:
		out, err = s.resolve(client, in.key)
	case opResolveWith:
		out, err = s.resolveWith(client, in.key)
	case opDelete:
		out.removed = s.delete(client, in.key)
	}
	ret := clock.tick()
	return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}, err
}

// workload describes one concurrent history.
type workload struct {
	clients      int
	opsPerClient int
	keys         int
	seed         uint64
}

// run lets the clients loose on s at once and returns everything they did,
// after the operations already in prefix.
func (w workload) run(clock *historyClock, s store, prefix []porcupine.Operation) ([]porcupine.Operation, error) {
	perClient := make([][]porcupine.Operation, w.clients)
	errs := make([]error, w.clients)
	var start, done sync.WaitGroup
	start.Add(1)
	for client := range w.clients {
		done.Add(1)
		go func() {
			defer done.Done()
			rng := rand.New(rand.NewPCG(w.seed, uint64(client)))
			start.Wait()
			for i := range w.opsPerClient {
				in := opInput{key: rng.IntN(w.keys)}
				switch p := rng.IntN(20); {
				case p < 6:
					in.kind, in.value = opSet, client*1_000_000+i+1 // every written value is unique
				case p < 11:
					in.kind = opGet
				case p < 14:
					in.kind = opResolve
				case p < 17:
					in.kind = opResolveWith
				default:
					in.kind = opDelete
				}
				if rng.IntN(8) == 0 {
					runtime.Gosched() // let the other clients in more often than the scheduler would
				}
				op, err := recordOp(clock, s, client, in)
				if err != nil {
					errs[client] = fmt.Errorf("client %d, op %d: %w", client, i, err)
					return
				}
				perClient[client] = append(perClient[client], op)
			}
		}()
	}
	start.Done()
	done.Wait()
	history := append([]porcupine.Operation(nil), prefix...)
	for _, ops := range perClient {
		history = append(history, ops...)
	}
	return history, errors.Join(errs...)
}
