module github.com/c41db742/routecache/fuzz/linearize

go 1.24

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/c41db742/routecache v0.0.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/puzpuzpuz/xsync/v3 v3.5.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/c41db742/routecache => ../..
