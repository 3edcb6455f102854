package fleet

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/c41db742/routecache"
)

// keyPrefix is the first token of every bucket key a member writes. A key
// without it belongs to someone else sharing the bucket and is skipped.
const keyPrefix = "rc"

// fieldEncoding maps the bytes of one Key field onto the bucket-key alphabet
// (letters, digits, '-', '_'). Strict decoding rejects non-zero padding
// bits, so each field has exactly one encoding and decoding is the exact
// inverse of encoding.
var fieldEncoding = base64.RawURLEncoding.Strict()

// errForeignKey marks a bucket key this package did not produce.
var errForeignKey = errors.New("fleet: bucket key not written by a fleet member")

// bucketKey returns the bucket key of k: "rc.<channel>.<bridge>.<room>" with
// ".<thread>" appended when the thread is set, each field base64url-encoded.
// NATS keys allow only [-/_=.a-zA-Z0-9] with dots between non-empty tokens;
// the encoding keeps ':' '\' NUL '.' '*' '>' spaces and invalid UTF-8 out of
// the key while every field round-trips. Cost: one allocation of about 4/3
// of the key's size plus 8 bytes.
func bucketKey(k routecache.Key) string {
	fields := [4]string{k.Channel, k.Bridge, k.Room, k.Thread}
	n := len(keyPrefix)
	for _, f := range fields {
		n += 1 + fieldEncoding.EncodedLen(len(f))
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(keyPrefix)
	for i, f := range fields {
		if i == 3 && f == "" {
			break
		}
		b.WriteByte('.')
		buf := make([]byte, fieldEncoding.EncodedLen(len(f)))
		fieldEncoding.Encode(buf, []byte(f))
		b.Write(buf)
	}
	return b.String()
}

// parseBucketKey is the inverse of bucketKey. Anything bucketKey never
// produces for a valid Key (another prefix, a wrong token count, an empty
// field, a token that is not canonical base64url) is errForeignKey.
func parseBucketKey(s string) (routecache.Key, error) {
	tokens := strings.Split(s, ".")
	if len(tokens) < 4 || len(tokens) > 5 || tokens[0] != keyPrefix {
		return routecache.Key{}, errForeignKey
	}
	var fields [4]string
	for i, t := range tokens[1:] {
		if t == "" {
			return routecache.Key{}, errForeignKey
		}
		raw, err := fieldEncoding.DecodeString(t)
		if err != nil || len(raw) == 0 {
			return routecache.Key{}, errForeignKey
		}
		fields[i] = string(raw)
	}
	return routecache.Key{Channel: fields[0], Bridge: fields[1], Room: fields[2], Thread: fields[3]}, nil
}
