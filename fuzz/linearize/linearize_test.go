package linearize

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/c41db742/routecache"
)

// newCheckedCache returns the cache a history runs against: the clock is
// frozen and the capacity far above the keys used, so no entry ever leaves
// except by Delete, and background sweeps still run every millisecond
// alongside the clients.
func newCheckedCache(t *testing.T, keys int) *cacheStore {
	t.Helper()
	c, err := routecache.New(routecache.Config[int]{
		Shards:             2,
		TTL:                time.Hour,
		MaxEntriesPerShard: 1 << 20,
		PruneInterval:      time.Millisecond,
		Clock:              routecache.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	s := &cacheStore{cache: c}
	for i := range keys {
		// Room keys only: Resolve of a key without a thread never consults a
		// room, so without fallbacks it is a pure read.
		s.keys = append(s.keys, routecache.Key{Channel: "lin", Bridge: "b", Room: fmt.Sprint("room", i)})
	}
	s.loader = s.newLoader()
	return s
}

// checkHistory runs porcupine without a time limit (a register history of
// this size takes milliseconds) and fails t unless the verdict is want.
// When a history expected to pass is not linearizable, porcupine's
// visualization is written to the temporary directory and its path logged.
func checkHistory(t *testing.T, what string, history []porcupine.Operation, want porcupine.CheckResult) {
	t.Helper()
	model := registerModel()
	result, info := porcupine.CheckOperationsVerbose(model, history, 0)
	if result == want {
		return
	}
	if result == porcupine.Illegal {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("routecache-linearize-%s.html", filepath.Base(t.Name())))
		if err := porcupine.VisualizePath(model, info, path); err == nil {
			t.Logf("history visualized in %s", path)
		}
	}
	t.Fatalf("%s: %d operations judged %v, want %v", what, len(history), result, want)
}

// TestLinearizable records concurrent histories of Set, Get, Delete,
// Resolve (exact hits and ErrNoRoute) and ResolveWith (exact hits, loads
// and failed loads) on a few keys and checks each against the per-key
// register model, and that no two loads of a key ever overlapped.
func TestLinearizable(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 4
	}
	overlapping := 0
	for round := range rounds {
		w := workload{clients: 4, opsPerClient: 300, keys: 3, seed: uint64(round)}
		s := newCheckedCache(t, w.keys)
		history, err := w.run(&historyClock{}, s, nil)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		overlapping += countOverlapping(history)
		checkHistory(t, fmt.Sprintf("round %d", round), history, porcupine.Ok)
		if n := s.overlaps.Load(); n > 0 {
			t.Fatalf("round %d: %d loads started while another load of the same key ran", round, n)
		}
	}
	t.Logf("%d rounds, %d operations overlapping another client's", rounds, overlapping)
}

// staleReadStore is the negative control: a cache with a per-client read
// cache in front that a client's own writes update but other clients'
// writes never invalidate. Its reads go stale, which no linearizable store
// allows.
type staleReadStore struct {
	*cacheStore
	seen []map[int]opOutput // per client: the answers it keeps serving
}

func newStaleReadStore(s *cacheStore, clients int) *staleReadStore {
	w := &staleReadStore{cacheStore: s, seen: make([]map[int]opOutput, clients)}
	for i := range w.seen {
		w.seen[i] = make(map[int]opOutput)
	}
	return w
}

func (w *staleReadStore) set(client, key, value int) error {
	w.seen[client][key] = opOutput{value: value, found: true}
	return w.cacheStore.set(client, key, value)
}

func (w *staleReadStore) get(client, key int) (opOutput, error) {
	if out, ok := w.seen[client][key]; ok {
		return out, nil
	}
	out, err := w.cacheStore.get(client, key)
	w.seen[client][key] = out
	return out, err
}

func (w *staleReadStore) resolve(client, key int) (opOutput, error) {
	return w.get(client, key)
}

func (w *staleReadStore) delete(client, key int) bool {
	w.seen[client][key] = opOutput{}
	return w.cacheStore.delete(client, key)
}

// TestStaleReadsAreNotLinearizable is the checker's negative control: the
// same workload through staleReadStore must be rejected. The history starts
// with one stale read that is certain, whatever the scheduler does: client
// 0 reads key 0 (empty), client 1 then writes it, and client 0, called
// after that write returned, reads "empty" again from its read cache.
func TestStaleReadsAreNotLinearizable(t *testing.T) {
	w := workload{clients: 4, opsPerClient: 300, keys: 3, seed: 99}
	s := newStaleReadStore(newCheckedCache(t, w.keys), w.clients)
	clock := &historyClock{}
	var prefix []porcupine.Operation
	for _, step := range []struct {
		client int
		in     opInput
	}{
		{0, opInput{kind: opGet, key: 0}},
		{1, opInput{kind: opSet, key: 0, value: 7}},
		{0, opInput{kind: opGet, key: 0}},
	} {
		op, err := recordOp(clock, s, step.client, step.in)
		if err != nil {
			t.Fatal(err)
		}
		prefix = append(prefix, op)
	}
	if last := prefix[2].Output.(opOutput); last.found {
		t.Fatalf("the read cache did not serve the stale answer: %+v", last)
	}
	history, err := w.run(clock, s, prefix)
	if err != nil {
		t.Fatal(err)
	}
	checkHistory(t, "history with stale reads", history, porcupine.Illegal)
	// The same checker accepts the prefix without its stale read: the
	// rejection is about that read, not about the model or the recording.
	checkHistory(t, "prefix without the stale read", prefix[:2], porcupine.Ok)
}

// countOverlapping counts the operations whose call-to-return interval
// overlaps an operation of another client: how concurrent the history
// really was. Reported, not asserted: it depends on the scheduler.
func countOverlapping(history []porcupine.Operation) int {
	n := 0
	for i, a := range history {
		for j, b := range history {
			if i != j && a.ClientId != b.ClientId && a.Call < b.Return && b.Call < a.Return {
				n++
				break
			}
		}
	}
	return n
}
