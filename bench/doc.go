// Package bench compares routecache with the Go caches people would use
// instead, on the same machine in the same run.
//
// Every cache sits behind one small interface, cacheUnderTest, with one
// adapter file per cache (adapter_*.go) that configures it with a TTL and a
// capacity the way its documentation recommends. The workloads live in the
// _test.go files and run with testing.B.RunParallel, so -cpu 1,2,4 shows how
// each cache scales. Sizes come from environment variables (see config.go),
// which lets run.sh offer a quick mode for CI.
//
// The package lives in its own module so that the peer caches never enter
// the root module's dependencies.
package bench
