// Package bench compares routecache with the Go caches people would use
// instead, and with the floor of its own design, on the same machine in the
// same run.
//
// Every cache sits behind one small interface, cacheUnderTest, with one
// adapter file per cache (adapter_*.go) that configures it with a TTL and a
// capacity the way its documentation recommends; adapter_floor.go is
// routecache's design with nothing around it, and adapter_floorget.go that
// floor answering a Get as the SPEC asks. The workloads live in the
// _test.go files; the throughput ones share one RunParallel scaffold
// (runParallel in harness_test.go), so -cpu 1,2,4 shows how each cache
// scales. Sizes come from environment variables (see config.go), which lets
// run.sh offer a quick mode for CI. run.sh writes RESULTS.md from benchstat
// tables and the targets check of cmd/targets.
//
// The package lives in its own module so that the peer caches never enter
// the root module's dependencies.
package bench
