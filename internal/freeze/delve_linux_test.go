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
	if _, err := Freeze(mt.pid); !errors.Is(err, ErrTraced) {
		t.Errorf("Freeze of a process Delve holds: %v, want ErrTraced", err)
	} else {
		t.Logf("refused: %v", err)
	}
	for _, tid := range tasks(t, mt.pid) {
		if tracerOf(mt.pid, tid) <= 0 {
			t.Errorf("thread %d is no longer traced by Delve after the refused Freeze", tid)
		}
	}
	if err := grp.Detach(false); err != nil {
		t.Fatalf("Delve detach: %v", err)
	}
	detached = true
	mt.awaitTicks(t, 5)
}
