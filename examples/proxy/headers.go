package main

import (
	"net/http"

	"github.com/c41db742/routecache"
)

// Request headers that name the session a request belongs to.
const (
	headerChannel = "X-Route-Channel" // e.g. "telegram"
	headerBridge  = "X-Route-Bridge"  // bot or bridge instance
	headerRoom    = "X-Route-Room"
	headerThread  = "X-Route-Thread" // optional; absent addresses the room
)

// Response headers that say how the proxy routed a request.
const (
	headerUpstream = "X-Route-Upstream" // name of the upstream that served it
	headerSource   = "X-Route-Source"   // exact, room, loaded or fallback
	headerReason   = "X-Route-Reason"   // none, stale, miss, thread_miss, unavailable or load_failed
)

// keyFromHeaders reads the session key of a request. It does not validate:
// the cache does, and its ErrInvalidKey names the missing or oversized field,
// which is what the client should see.
func keyFromHeaders(h http.Header) routecache.Key {
	return routecache.Key{
		Channel: h.Get(headerChannel),
		Bridge:  h.Get(headerBridge),
		Room:    h.Get(headerRoom),
		Thread:  h.Get(headerThread),
	}
}
