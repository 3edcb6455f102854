package fleet_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/c41db742/routecache/fleet"
)

// BenchmarkGetHit compares a Get hit on a plain cache with one on a cache
// a member follows: reads never go through the member, so both must cost
// the same and allocate nothing.
//
//	go test ./fleet -run '^$' -bench GetHit -benchmem -count 6 | benchstat -col /cache -
func BenchmarkGetHit(b *testing.B) {
	s := startServer(b, b.TempDir(), -1)
	for _, attached := range []bool{false, true} {
		name := "cache=alone"
		if attached {
			name = "cache=member"
		}
		b.Run(name, func(b *testing.B) {
			c := newCache(b, nil)
			for i := range 1000 {
				if err := c.Set(key(i), fmt.Sprintf("u%d", i)); err != nil {
					b.Fatal(err)
				}
			}
			if attached {
				m, _ := joinCache(b, s.ClientURL(), c, fleet.Config[string]{Bucket: "hotpath"})
				if err := m.Set(context.Background(), key(0), "u0"); err != nil {
					b.Fatal(err)
				}
			}
			k := key(500)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.Get(k); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func TestGetHitWithMemberAllocatesNothing(t *testing.T) {
	s := startServer(t, t.TempDir(), -1)
	m, _ := join(t, s.ClientURL(), fleet.Config[string]{})
	if err := m.Set(context.Background(), key(1), "u1"); err != nil {
		t.Fatal(err)
	}
	c, k := m.Cache(), key(1)
	if n := testing.AllocsPerRun(1000, func() { _, _ = c.Get(k) }); n != 0 {
		t.Fatalf("Get hit allocates %v times with a member attached", n)
	}
	if n := testing.AllocsPerRun(1000, func() { _, _ = m.Resolve(k) }); n != 0 {
		t.Fatalf("Member.Resolve hit allocates %v times", n)
	}
}
