// Package fleet shares the routes of many proxies through a NATS JetStream
// key-value bucket: a Member publishes its writes to the bucket and applies
// everyone else's into its local routecache.Cache, so reads never leave the
// process.
//
// A Member is a follower of the bucket's revision order. Join loads the
// bucket's live routes (a restarted proxy starts warm) and then applies every
// update as JetStream delivers it; a key's older revision never overwrites a
// newer one. Values carry the absolute moment their route expires, and the
// bucket keeps each key with a per-key TTL, so a route dies at the same
// moment everywhere and a member that joins late never brings it back.
//
// What it is not: a consensus store for the cache's reads. Reads are local
// and lag the bucket by the propagation time (measured in README.md); two
// members that write one key at once converge on the bucket's last revision.
package fleet
