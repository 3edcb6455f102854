package fuzz

import (
	"errors"
	"strings"
	"testing"

	"github.com/c41db742/routecache"
)

// FuzzKey checks Key.String and ParseKey against an independent reading of
// the SPEC: String escapes ':' and '\' and joins the fields with ':';
// ParseKey inverts String exactly and rejects, with ErrInvalidKey, every
// string String never produces. Nothing may panic.
func FuzzKey(f *testing.F) {
	f.Fuzz(func(t *testing.T, channel, bridge, room, thread string) {
		k := routecache.Key{Channel: channel, Bridge: bridge, Room: room, Thread: thread}
		s := k.String()
		if want := renderKey(k); s != want {
			t.Fatalf("%#v.String() = %q, want %q", k, s, want)
		}
		if got, want := k.RoomScope(), (routecache.Key{Channel: channel, Bridge: bridge, Room: room}); got != want {
			t.Fatalf("%#v.RoomScope() = %#v, want %#v", k, got, want)
		}
		parsed, err := routecache.ParseKey(s)
		if channel != "" && bridge != "" && room != "" {
			if err != nil || parsed != k {
				t.Fatalf("ParseKey(%q) = %#v, %v; want %#v", s, parsed, err, k)
			}
		} else if !errors.Is(err, routecache.ErrInvalidKey) {
			t.Fatalf("ParseKey(%q) of a key with an empty field = %#v, %v; want ErrInvalidKey", s, parsed, err)
		}
		// The same fields read as arbitrary strings: one field alone, and the
		// fields joined raw, which often holds unescaped ':' and stray '\'.
		checkParse(t, channel)
		checkParse(t, channel+":"+bridge+":"+room+":"+thread)
		checkParse(t, channel+":"+bridge+":"+room)
	})
}

// checkParse checks ParseKey on any string s: it agrees with
// producedByString, and a key it returns prints back as s.
func checkParse(t *testing.T, s string) {
	t.Helper()
	k, err := routecache.ParseKey(s)
	want, produced := producedByString(s)
	if !produced {
		if !errors.Is(err, routecache.ErrInvalidKey) {
			t.Fatalf("ParseKey(%q) = %#v, %v; want ErrInvalidKey", s, k, err)
		}
		return
	}
	if err != nil || k != want {
		t.Fatalf("ParseKey(%q) = %#v, %v; want %#v", s, k, err, want)
	}
	if back := k.String(); back != s {
		t.Fatalf("ParseKey(%q).String() = %q", s, back)
	}
}

// renderKey is the SPEC's String written out plainly.
func renderKey(k routecache.Key) string {
	escape := strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace
	s := escape(k.Channel) + ":" + escape(k.Bridge) + ":" + escape(k.Room)
	if k.Thread != "" {
		s += ":" + escape(k.Thread)
	}
	return s
}

// producedByString reports whether String produces s for some key, and
// which: three or four ':'-separated fields, every '\' escaping a ':' or a
// '\', channel, bridge and room non-empty, and a fourth field, when there
// is one, non-empty too.
func producedByString(s string) (routecache.Key, bool) {
	var fields []string
	var field strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) || (s[i+1] != ':' && s[i+1] != '\\') {
				return routecache.Key{}, false
			}
			field.WriteByte(s[i+1])
			i++
		case ':':
			fields = append(fields, field.String())
			field.Reset()
		default:
			field.WriteByte(c)
		}
	}
	fields = append(fields, field.String())
	if len(fields) < 3 || len(fields) > 4 {
		return routecache.Key{}, false
	}
	for _, f := range fields {
		if f == "" {
			return routecache.Key{}, false
		}
	}
	k := routecache.Key{Channel: fields[0], Bridge: fields[1], Room: fields[2]}
	if len(fields) == 4 {
		k.Thread = fields[3]
	}
	return k, true
}
