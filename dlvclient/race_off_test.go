//go:build !race

package dlvclient_test

// raceSlowdown scales the tests' wall-clock bounds (see race_on_test.go).
const raceSlowdown = 1
