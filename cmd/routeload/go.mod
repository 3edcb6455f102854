module github.com/c41db742/routecache/cmd/routeload

go 1.24

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0
	github.com/c41db742/routecache v0.0.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/puzpuzpuz/xsync/v3 v3.5.1 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

replace github.com/c41db742/routecache => ../..
