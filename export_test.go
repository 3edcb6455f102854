package routecache

// Test-only access to internals; nothing here is part of the API.

// newWithHashMask returns a cache whose key hashes are narrowed to mask, so
// tests can force distinct keys to share a 64-bit hash.
func newWithHashMask[V any](cfg Config[V], mask uint64) (*Cache[V], error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	c.hashMask = mask
	return c, nil
}

// wheelNodes counts the wheel nodes of every shard, stale ones included.
func (c *Cache[V]) wheelNodes() int {
	n := 0
	for i := range c.shards {
		n += c.shards[i].wheel.nodes()
	}
	return n
}

// shardLen returns the entries held by shard i.
func (c *Cache[V]) shardLen(i int) int { return int(c.shards[i].size.Load()) }

// collisionCount returns the entries held in collided maps.
func (c *Cache[V]) collisionCount() int {
	n := 0
	for i := range c.shards {
		n += int(c.shards[i].table.collisions.Load())
	}
	return n
}
