//go:build !race

package routecache

// raceEnabled says whether the tests run under the race detector, which
// makes every operation several times slower; the heaviest tests scale
// down under it.
const raceEnabled = false
