package bench

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/c41db742/routecache"
)

// ttlMix is one way the Prune workload spreads lifetimes over the entries it
// holds.
type ttlMix struct {
	name string
	// defaultTTL is the cache's TTL; 0 lets the schedule derive it so that
	// one batch of the fill expires per pruneStep (the fixed mix).
	defaultTTL time.Duration
	// shortest and longest bound the per-entry TTLs, drawn log-uniformly, so
	// every decade between them holds as many entries; 0: every entry takes
	// the default.
	shortest, longest time.Duration
}

// ttlMixes lists the lifetimes the Prune workload runs with: one TTL for
// all, short per-entry TTLs under a long default, and long ones under a
// short default. A wheel sized by the default TTL meets in the last two the
// entries it was not sized for.
func ttlMixes() []ttlMix {
	return []ttlMix{
		{name: "fixed"},
		{name: "short-under-long", defaultTTL: 30 * time.Minute, shortest: time.Millisecond, longest: time.Hour},
		{name: "long-under-short", defaultTTL: time.Second, shortest: time.Hour, longest: 365 * 24 * time.Hour},
	}
}

// pruneStep is how far the clock moves between two batches of the fixed
// mix's fill, and so between two of its Prunes.
const pruneStep = time.Second

// pruneSchedule drives the Prune workload's steady state: held entries, of
// which next makes the batch that expires soonest due, and rewrite writes
// those again, with fresh lifetimes, at the time they expired. It tracks
// every entry's expiry itself, so it knows what a Prune must remove without
// asking the cache, and it drives any store through a write function, so
// the scan baseline follows the same schedule as routecache.
type pruneSchedule struct {
	mix      ttlMix
	keys     []benchKey
	batch    int
	ttl      time.Duration // the cache's default TTL
	fillStep time.Duration // clock step between two batches of the fill
	random   *rand.Rand    // draws per-entry TTLs
	now      time.Duration // the schedule's time since start
	pending  expiryHeap    // every held entry's expiry, soonest first
	due      []int         // keys of the entries that next made due
	clock    *routecache.FakeClock
	start    time.Time
}

// writeFunc stores the route of keys[i] with lifetime ttl; 0 means the
// store's default TTL.
type writeFunc func(i int, ttl time.Duration)

func newPruneSchedule(mix ttlMix, keys []benchKey, batch int, seed uint64) *pruneSchedule {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &pruneSchedule{
		mix:    mix,
		keys:   keys,
		batch:  batch,
		ttl:    mix.defaultTTL,
		random: rand.New(rand.NewPCG(seed, 0x7e57)),
		clock:  routecache.NewFakeClock(start),
		start:  start,
	}
	if mix.defaultTTL == 0 {
		// Batches are written one step apart and each is rewritten after
		// len(keys)/batch steps, so the TTL is half a step short of that:
		// a batch written that many steps ago has expired, the next has not.
		s.fillStep = pruneStep
		s.ttl = time.Duration(len(keys)/batch)*pruneStep - pruneStep/2
	}
	return s
}

// fill writes every key once, batch by batch.
func (s *pruneSchedule) fill(write writeFunc) {
	for first := 0; first < len(s.keys); first += s.batch {
		if first > 0 {
			s.advance(s.now + s.fillStep)
		}
		for i := first; i < min(first+s.batch, len(s.keys)); i++ {
			s.write(write, i)
		}
	}
}

// next moves the clock to the expiry of the batch-th soonest entry and
// returns how many entries are due then: the batch, and any other entry
// that expires at that very nanosecond.
func (s *pruneSchedule) next() int {
	s.due = s.due[:0]
	for len(s.due) < s.batch || (s.pending.Len() > 0 && s.pending.soonest() <= s.now) {
		e := heap.Pop(&s.pending).(expiry)
		s.advance(max(s.now, time.Duration(e.at)))
		s.due = append(s.due, e.key)
	}
	return len(s.due)
}

// rewrite writes the entries next made due again, at the current time.
func (s *pruneSchedule) rewrite(write writeFunc) {
	for _, i := range s.due {
		s.write(write, i)
	}
}

// write stores keys[i] with a lifetime of the mix and records its expiry.
func (s *pruneSchedule) write(write writeFunc, i int) {
	ttl := time.Duration(0)
	if s.mix.shortest > 0 {
		low, high := math.Log(float64(s.mix.shortest)), math.Log(float64(s.mix.longest))
		ttl = time.Duration(math.Exp(low + s.random.Float64()*(high-low)))
	}
	write(i, ttl)
	if ttl == 0 {
		ttl = s.ttl
	}
	heap.Push(&s.pending, expiry{at: int64(s.now + ttl), key: i})
}

func (s *pruneSchedule) advance(to time.Duration) {
	s.now = to
	s.clock.Set(s.start.Add(to))
}

// expiry is when one entry of the schedule expires, in nanoseconds since the
// schedule's start.
type expiry struct {
	at  int64
	key int
}

// expiryHeap is a min-heap of expiries for container/heap.
type expiryHeap []expiry

func (h expiryHeap) soonest() time.Duration { return time.Duration(h[0].at) }
func (h expiryHeap) Len() int               { return len(h) }
func (h expiryHeap) Less(i, j int) bool     { return h[i].at < h[j].at }
func (h expiryHeap) Swap(i, j int)          { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)            { *h = append(*h, x.(expiry)) }

func (h *expiryHeap) Pop() any {
	last := (*h)[len(*h)-1]
	*h = (*h)[:len(*h)-1]
	return last
}

// TestPruneScheduleMakesExactlyTheBatchDue runs each mix's schedule for
// several rounds on a small cache: each Prune must remove exactly the
// entries the schedule made due, or the benchmark's ns/expired would divide
// by the wrong count.
func TestPruneScheduleMakesExactlyTheBatchDue(t *testing.T) {
	const held, batch = 2_000, 100
	keys := generateKeys(held, 9).keys
	routes := generateRoutes()
	for _, mix := range ttlMixes() {
		t.Run(mix.name, func(t *testing.T) {
			s := newPruneSchedule(mix, keys, batch, 9)
			cache := openPruneCache(t, s, held)
			s.fill(routecacheWriter(t, cache, s, routes))
			if removed := cache.Prune(); removed != 0 {
				t.Fatalf("Prune right after the fill removed %d entries, want 0", removed)
			}
			for round := range 3 * held / batch {
				due := s.next()
				if removed := cache.Prune(); removed != due {
					t.Fatalf("round %d: Prune removed %d entries, want %d", round, removed, due)
				}
				if n := cache.Len(); n != held-due {
					t.Fatalf("round %d: %d entries held after Prune, want %d", round, n, held-due)
				}
				s.rewrite(routecacheWriter(t, cache, s, routes))
			}
		})
	}
}
