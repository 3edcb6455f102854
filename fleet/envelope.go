package fleet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// envelopeVersion is the first byte of every value a member writes; a
// reader that meets another version skips the value rather than guess.
const envelopeVersion = 1

// envelopeHeader is the version byte and the expiry.
const envelopeHeader = 1 + 8

// errBadEnvelope marks a bucket value that is not a fleet envelope.
var errBadEnvelope = errors.New("fleet: value is not a fleet envelope")

// sealEnvelope frames an encoded route with the absolute moment it expires
// (Unix nanoseconds, wall clock). Carrying the moment rather than the TTL is
// what lets a member that applies the value late, or joins after the
// write, give the route exactly the lifetime it has left and never
// resurrect it.
func sealEnvelope(expiresAt time.Time, route []byte) []byte {
	out := make([]byte, envelopeHeader+len(route))
	out[0] = envelopeVersion
	binary.BigEndian.PutUint64(out[1:envelopeHeader], uint64(expiresAt.UnixNano()))
	copy(out[envelopeHeader:], route)
	return out
}

// openEnvelope splits a value written by sealEnvelope. The route bytes
// alias value.
func openEnvelope(value []byte) (expiresAt time.Time, route []byte, err error) {
	if len(value) < envelopeHeader {
		return time.Time{}, nil, fmt.Errorf("%w: %d bytes", errBadEnvelope, len(value))
	}
	if value[0] != envelopeVersion {
		return time.Time{}, nil, fmt.Errorf("%w: version %d", errBadEnvelope, value[0])
	}
	nanos := int64(binary.BigEndian.Uint64(value[1:envelopeHeader]))
	return time.Unix(0, nanos), value[envelopeHeader:], nil
}
