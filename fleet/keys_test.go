package fleet_test

import (
	"regexp"
	"testing"

	"github.com/c41db742/routecache"
	"github.com/c41db742/routecache/fleet"
)

// natsKey is the alphabet JetStream KV accepts for a key: tokens of
// [-/_=a-zA-Z0-9] separated by single dots.
var natsKey = regexp.MustCompile(`^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$`)

func TestBucketKeyRoundTripsHostileFields(t *testing.T) {
	for _, k := range []routecache.Key{
		{Channel: "telegram", Bridge: "bot", Room: "42"},
		{Channel: "telegram", Bridge: "bot", Room: "42", Thread: "7"},
		{Channel: "a:b", Bridge: `c\d`, Room: "e\x00f", Thread: "g.h"},
		{Channel: "*", Bridge: ">", Room: "a b", Thread: "\xff\xfe"},
		{Channel: ".", Bridge: "..", Room: "$KV.x.>"},
		{Channel: "ü", Bridge: "\t", Room: "\n", Thread: "-_="},
	} {
		bk := fleet.BucketKey(k)
		if !natsKey.MatchString(bk) {
			t.Errorf("%q: bucket key %q is not a valid KV key", k.String(), bk)
		}
		back, err := fleet.ParseBucketKey(bk)
		if err != nil || back != k {
			t.Errorf("%q: round trip gave %+v, %v", k.String(), back, err)
		}
	}
}

func TestParseBucketKeyRejectsForeignKeys(t *testing.T) {
	for _, bk := range []string{
		"", "rc", "rc.AA", "rc.AA.AA", "other.AA.AA.AA", "rc.AA.AA.AA.AA.AA",
		"rc..AA.AA", "rc.AA.AA.AA.", "rc.A.AA.AA", // A is not canonical base64
		"rc.AB.AA.AA", // non-zero padding bits
		"rc.AA=.AA.AA", "rc.A/.AA.AA",
	} {
		if k, err := fleet.ParseBucketKey(bk); err == nil {
			t.Errorf("%q parsed as %+v", bk, k)
		}
	}
}

func FuzzBucketKey(f *testing.F) {
	f.Add("telegram", "bot", "room", "")
	f.Add("a:b", `c\d`, "e\x00f", "g.h")
	f.Add("*", ">", " ", "\xff")
	f.Fuzz(func(t *testing.T, channel, bridge, room, thread string) {
		k := routecache.Key{Channel: channel, Bridge: bridge, Room: room, Thread: thread}
		if channel == "" || bridge == "" || room == "" {
			return // not a valid Key: never written
		}
		bk := fleet.BucketKey(k)
		if !natsKey.MatchString(bk) {
			t.Fatalf("bucket key %q is not a valid KV key", bk)
		}
		back, err := fleet.ParseBucketKey(bk)
		if err != nil || back != k {
			t.Fatalf("round trip of %+v gave %+v, %v", k, back, err)
		}
		// Whatever a foreign writer puts in the bucket parses to a valid
		// key or is rejected, and a valid parse re-encodes to itself.
		raw := channel + "." + bridge
		if other, err := fleet.ParseBucketKey(raw); err == nil && fleet.BucketKey(other) != raw {
			t.Fatalf("%q parsed to %+v, which encodes differently", raw, other)
		}
	})
}
