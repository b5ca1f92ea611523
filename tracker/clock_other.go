//go:build !amd64

package tracker

// rdtsc is not available: the TSC path of nowNanos is off.
func rdtsc() uint64 { return 0 }

func tscTrusted() bool { return false }
