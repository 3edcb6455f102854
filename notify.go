package routecache

// OnEvict delivery: what an operation removed is collected while it holds
// a lock and reported after it lets go.

// removal is an entry that left the cache, kept until OnEvict can be called
// outside every lock.
type removal[V any] struct {
	key    Key
	route  V
	reason EvictReason
}

// removals collects what one operation removed. The first few fit in the
// operation's own frame, so the common cases allocate nothing.
type removals[V any] struct {
	inline [2]removal[V]
	n      int
	more   []removal[V]
}

func (r *removals[V]) add(k Key, route V, reason EvictReason) {
	if r.n < len(r.inline) {
		r.inline[r.n] = removal[V]{k, route, reason}
		r.n++
		return
	}
	r.more = append(r.more, removal[V]{k, route, reason})
}

func (r *removals[V]) len() int { return r.n + len(r.more) }

// reset empties r for reuse, keeping its buffer.
func (r *removals[V]) reset() {
	r.inline = [2]removal[V]{}
	r.n = 0
	clear(r.more)
	r.more = r.more[:0]
}

// noteRemoval accounts for an entry that left, in the stats and for OnEvict.
func (c *Cache[V]) noteRemoval(e entry[V], reason EvictReason, out *removals[V]) {
	st := c.stats.stripe()
	switch reason {
	case EvictCapacity:
		st.evictions.Add(1)
	case EvictExpired:
		st.expirations.Add(1)
	}
	if c.onEvict != nil {
		out.add(e.Name.Key(), e.Value.route, reason)
	}
}

// notify calls OnEvict for every removal collected, in removal order,
// outside every lock, so the callback may call back into the cache. A
// panicking callback is recovered: the removal already happened and the
// cache stays consistent, and the remaining callbacks still run.
func (c *Cache[V]) notify(r *removals[V]) {
	if c.onEvict == nil || r.len() == 0 {
		return
	}
	for i := 0; i < r.n; i++ {
		c.callOnEvict(r.inline[i])
	}
	for _, x := range r.more {
		c.callOnEvict(x)
	}
}

func (c *Cache[V]) callOnEvict(x removal[V]) {
	defer func() { _ = recover() }()
	c.onEvict(x.key, x.route, x.reason)
}
