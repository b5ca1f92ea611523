//go:build race

package dlvclient_test

// raceSlowdown scales the tests' wall-clock bounds: code built with the race
// detector runs several times slower, and the bounds are about the work the
// tool does, not about the detector's cost.
const raceSlowdown = 4
