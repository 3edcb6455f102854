// Package fuzz holds the cross-cutting proofs of routecache: the differential
// fuzzer that replays random operation sequences against a sequential
// reference model, the key and config fuzzers, the bad-input catalogue and
// the stress test run under the race detector. Everything here is test code;
// the package itself exports nothing. The linearizability and goroutine-leak
// checks live in the nested module fuzz/linearize because their dependencies
// must stay out of the root go.mod.
//
// README.md in this folder says what is proven and how to rerun it.
package fuzz
