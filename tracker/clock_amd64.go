package tracker

import (
	"os"
	"runtime"
)

// rdtsc returns the CPU's time-stamp counter (assembly).
func rdtsc() uint64

// cpuidInvariantTSC reports whether CPUID says the TSC runs at a constant rate in every
// power state (leaf 0x80000007, EDX bit 8) (assembly).
func cpuidInvariantTSC() bool

// tscTrusted reports whether nowNanos may use the TSC: the CPU reports an invariant TSC
// and the kernel, which checks the TSC's stability and its synchronisation across CPUs,
// uses it as its clocksource.
func tscTrusted() bool {
	if runtime.GOOS != "linux" || !cpuidInvariantTSC() {
		return false
	}
	b, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource")
	return err == nil && string(b) == "tsc\n"
}
