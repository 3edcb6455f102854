package routecache

import "errors"

// The sentinel errors. Every error the package returns is one of these or
// wraps one, so callers test with errors.Is; the wrapping message says what
// exactly was wrong ("routecache: invalid key: empty room").
var (
	// ErrNotFound: no route is held for the key.
	ErrNotFound = errors.New("routecache: not found")
	// ErrExpired: a route was held for the key but its TTL had run out; it
	// has been removed, so the next lookup reports ErrNotFound.
	ErrExpired = errors.New("routecache: expired")
	// ErrNoRoute: Resolve found no exact, room or valid fallback route.
	ErrNoRoute = errors.New("routecache: no route")
	// ErrInvalidKey: an empty channel, bridge or room, or a key longer than
	// Config.MaxKeyBytes; from ParseKey, a string String never produces.
	ErrInvalidKey = errors.New("routecache: invalid key")
	// ErrInvalidRoute: Config.Validate rejected the route (or panicked).
	ErrInvalidRoute = errors.New("routecache: invalid route")
	// ErrInvalidTTL: a negative TTL was given to SetWithTTL.
	ErrInvalidTTL = errors.New("routecache: invalid ttl")
	// ErrInvalidConfig: New was given a negative setting (PruneInterval
	// excepted, where negative means no background sweep) or a Shards
	// above MaxShards.
	ErrInvalidConfig = errors.New("routecache: invalid config")
	// ErrClosed: the cache was closed, or is a zero Cache that New never
	// made. Resolve and ResolveWith return it only when no fallback is
	// valid; otherwise a fallback answers with ReasonUnavailable.
	ErrClosed = errors.New("routecache: closed")
	// ErrLoad: ResolveWith's loader failed (returned an error, panicked or
	// gave a negative TTL) and no fallback answered; the loader's own error
	// is wrapped too, so errors.Is finds both.
	ErrLoad = errors.New("routecache: load failed")
)
