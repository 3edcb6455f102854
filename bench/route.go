package bench

import "strconv"

// route is the value every cache holds: a pointer to a small struct, as a
// proxy keeps the upstream it forwards a conversation to.
type route struct {
	upstream string // host:port of the worker that owns the conversation
	epoch    uint32 // bumped when the conversation moves, so overwrites change the value
}

// routePoolSize is how many distinct routes the workloads share. Entries
// point into this pool, so the memory workloads measure the caches, not the
// routes.
const routePoolSize = 256

// generateRoutes returns the shared pool of routes, allocated before any
// measurement starts.
func generateRoutes() []*route {
	routes := make([]*route, routePoolSize)
	for i := range routes {
		routes[i] = &route{
			upstream: "worker-" + strconv.Itoa(i%64) + ".routes.internal:8443",
			epoch:    uint32(i),
		}
	}
	return routes
}
