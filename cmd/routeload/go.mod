module github.com/c41db742/routecache/cmd/routeload

go 1.23

require github.com/c41db742/routecache v0.0.0

replace github.com/c41db742/routecache => ../..
