package fleet_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/fleet"
)

// stampCodec carries the moment a route was written; decoding records how
// long ago that was, which is when the follower applies the route (the
// cache write follows within microseconds).
type stampCodec struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram // microseconds
}

func (c *stampCodec) Marshal(int64) ([]byte, error) {
	return binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano())), nil
}

func (c *stampCodec) Unmarshal(b []byte) (int64, error) {
	sent := int64(binary.BigEndian.Uint64(b))
	c.mu.Lock()
	_ = c.hist.RecordValue(max(0, (time.Now().UnixNano()-sent)/1000))
	c.mu.Unlock()
	return sent, nil
}

// TestPropagation measures how long a Member.Set on one member takes to
// reach every other member, for 2, 4 and 8 members over one server and
// over a three-server cluster, at 1k and 10k writes/s and as fast as 32
// writers can go. It is a measurement, not a test: it runs only with
// FLEET_PROPAGATION=1 and asserts nothing about speed.
//
//	FLEET_PROPAGATION=1 go test ./fleet -run TestPropagation -v -count=1
func TestPropagation(t *testing.T) {
	if os.Getenv("FLEET_PROPAGATION") == "" {
		t.Skip("set FLEET_PROPAGATION=1 to measure")
	}
	const window = 2 * time.Second
	for _, topology := range []string{"1 server", "3-server cluster R3"} {
		var urls []string
		replicas := 1
		if topology == "1 server" {
			urls = []string{startServer(t, t.TempDir(), -1).ClientURL()}
		} else {
			servers := startCluster(t)
			for i := range servers {
				urls = append(urls, clusterURL(servers, i))
			}
			replicas = 3
		}
		for _, n := range []int{2, 4, 8} {
			for _, rate := range []int{1000, 10_000, 0} {
				bucket := fmt.Sprintf("prop%d%d%d", len(urls), n, rate)
				codecs := make([]*stampCodec, n)
				members := make([]*fleet.Member[int64], n)
				for i := range members {
					codecs[i] = &stampCodec{hist: hdrhistogram.New(1, 60_000_000, 3)}
					c, err := routecache.New(routecache.Config[int64]{MaxEntriesPerShard: 100_000})
					if err != nil {
						t.Fatal(err)
					}
					js := connect(t, urls[i%len(urls)])
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					members[i], err = fleet.Join(ctx, js, c, fleet.Config[int64]{Bucket: bucket, Codec: codecs[i], Replicas: replicas})
					cancel()
					if err != nil {
						t.Fatal(err)
					}
				}
				var before syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
				acked := drive(members[0], rate, window)
				// Let the tail arrive, then stop counting.
				waitFor(t, 20*time.Second, "every observer caught up", func() bool {
					for _, m := range members[1:] {
						if m.Stats().Applied+m.Stats().Superseded < uint64(acked) {
							return false
						}
					}
					return true
				})
				var after syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
				all := hdrhistogram.New(1, 60_000_000, 3)
				var applied uint64
				for i, m := range members {
					if i > 0 {
						codecs[i].mu.Lock()
						all.Merge(codecs[i].hist)
						codecs[i].mu.Unlock()
					}
					applied += m.Stats().Applied
					m.Close()
					m.Cache().Close()
				}
				cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
				target := "max"
				if rate > 0 {
					target = fmt.Sprint(rate)
				}
				t.Logf("| %s | %d | %s | %.0f | %d µs | %d µs | %d µs | %.1f µs |",
					topology, n, target, float64(acked)/window.Seconds(),
					all.ValueAtQuantile(50), all.ValueAtQuantile(99), all.Max(),
					float64(cpu.Microseconds())/float64(max(applied, 1)))
			}
		}
	}
}

// drive writes through m for the window: at rate writes/s, or with rate 0
// as fast as 32 concurrent writers go. It returns the acknowledged writes.
func drive(m *fleet.Member[int64], rate int, window time.Duration) int64 {
	var acked atomic.Int64
	work := make(chan int, 4096)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range work {
				if m.Set(context.Background(), key(i%50_000), 0) == nil {
					acked.Add(1)
				}
			}
		})
	}
	start := time.Now()
	for i := 0; time.Since(start) < window; i++ {
		if rate > 0 {
			if wait := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); wait > 0 {
				time.Sleep(wait)
			}
		}
		work <- i
	}
	close(work)
	wg.Wait()
	return acked.Load()
}
