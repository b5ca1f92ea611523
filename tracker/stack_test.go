package tracker

import (
	"runtime"
	"strings"
	"testing"
)

//go:noinline
func stackProbe(pcs []uintptr) int { return captureStack(0, pcs) }

//go:noinline
func stackProbeCaller(pcs []uintptr) int { return stackProbe(pcs) }

func TestCaptureStackMatchesCallers(t *testing.T) {
	if haveFP && root.internal.fpWrapperFrames < 0 {
		t.Fatalf("frame-pointer unwinding failed its start-up check")
	}
	var pcs [stackMax]uintptr
	n := stackProbeCaller(pcs[:])
	var want [stackMax]uintptr
	m := runtime.Callers(1, want[:]) // starts in this test function
	// Unlike runtime.Callers, frame-pointer unwinding keeps compiler wrappers (gowrap).
	var got []string
	for _, f := range symbolize64(pcs[:n]) {
		if !strings.Contains(f, ".gowrap") {
			got = append(got, f)
		}
	}
	exp := symbolize64(want[:m])
	// captureStack(0) from stackProbe starts at stackProbe's caller: stackProbeCaller.
	if len(got) < 2 || got[0] != "github.com/dlv-tasks/dlv-tasks/tracker.stackProbeCaller" {
		t.Fatalf("stack = %v", got)
	}
	if len(got)-1 != len(exp) {
		t.Fatalf("stack %v vs runtime.Callers %v", got, exp)
	}
	for i := range exp {
		if got[i+1] != exp[i] {
			t.Fatalf("frame %d: %s vs %s", i, got[i+1], exp[i])
		}
	}
}

func symbolize64(pcs []uintptr) []string {
	u := make([]uint64, len(pcs))
	for i, pc := range pcs {
		u[i] = uint64(pc)
	}
	return symbolize(u)
}
