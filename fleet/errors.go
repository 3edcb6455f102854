package fleet

import "errors"

// ErrUnavailable is wrapped by a Member write that was applied to the
// local cache but not acknowledged by the bucket: the connection is down,
// JetStream did not answer in time, or the member has left the fleet. The
// member shares such a write once the connection is back, unless another
// revision of the key reached the bucket first.
var ErrUnavailable = errors.New("fleet: bucket unavailable")

// ErrInvalidBucket is wrapped by Join when the bucket cannot be created or
// bound, or exists without the per-key TTL a fleet needs.
var ErrInvalidBucket = errors.New("fleet: invalid bucket")
