//go:build race

package routecache

const raceEnabled = true
