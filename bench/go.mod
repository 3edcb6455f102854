module github.com/c41db742/routecache/bench

go 1.23

require github.com/c41db742/routecache v0.0.0

replace github.com/c41db742/routecache => ..
