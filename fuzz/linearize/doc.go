// Package linearize checks routecache's concurrent behaviour against
// sequential specifications: recorded histories of Set, Get, Delete and
// exact-hit Resolve are checked for linearizability with porcupine, and
// goleak verifies that New and Close leave no goroutine behind. It is a
// module of its own so that porcupine and goleak stay out of the root
// go.mod; everything in it is test code.
package linearize
