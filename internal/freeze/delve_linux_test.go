//go:build linux && amd64

package freeze

import (
	"errors"
	"testing"

	"github.com/go-delve/delve/pkg/proc/native"
)

// TestRefusesProcessDelveHolds attaches real Delve (its native backend, in
// this process) to a target: Freeze must refuse it as already traced,
// leave Delve's hold alone, and the target must run once Delve detaches.
func TestRefusesProcessDelveHolds(t *testing.T) {
	mt := startMeter(t, "-n", "100")
	grp, err := native.Attach(mt.pid, nil, nil)
	if err != nil {
		t.Fatalf("Delve cannot attach: %v", err)
	}
	detached := false
	defer func() {
		if !detached {
			grp.Detach(false)
		}
	}()
	delve := tracerOf(mt.pid, mt.pid)
	if delve <= 0 {
		t.Fatalf("Delve attached but the main thread has tracer %d", delve)
	}
	before := map[int]int{}
	for _, tid := range tasks(t, mt.pid) {
		before[tid] = tracerOf(mt.pid, tid)
		if before[tid] <= 0 {
			t.Logf("Delve's attach left thread %d of %d untraced", tid, mt.pid)
		}
	}
	if _, err := Freeze(mt.pid); !errors.Is(err, ErrTraced) {
		t.Errorf("Freeze of a process Delve holds: %v, want ErrTraced", err)
	} else {
		t.Logf("refused: %v", err)
	}
	// Freeze took no thread from Delve, nor one Delve had missed (its
	// attach races with thread creation as ours did: seen once in ~20 runs).
	for _, tid := range tasks(t, mt.pid) {
		if got, want := tracerOf(mt.pid, tid), before[tid]; got != want {
			t.Errorf("thread %d: tracer %d after the refused Freeze, %d before (Delve is %d)", tid, got, want, delve)
		}
	}
	if err := grp.Detach(false); err != nil {
		t.Fatalf("Delve detach: %v", err)
	}
	detached = true
	mt.awaitTicks(t, 5)
}
