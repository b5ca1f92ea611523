package tracker

import (
	"context"
	"errors"
	"testing"
	"time"
)

// startWaiter starts a task blocked on its context and returns its id and
// a channel that receives fn's error once it returns.
func startWaiter(t *testing.T, ctx context.Context, name string) (uint64, <-chan error) {
	t.Helper()
	ids := make(chan uint64, 1)
	out := make(chan error, 1)
	Go(ctx, name, func(ctx context.Context) error {
		ids <- currentTaskID(ctx)
		<-ctx.Done()
		out <- context.Cause(ctx)
		return ctx.Err()
	})
	id := <-ids
	// The goroutine -> task entry is set before fn runs; wait for it anyway.
	deadline := time.Now().Add(5 * time.Second)
	for liveTaskByID(id) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("task %d never became findable", id)
		}
		time.Sleep(time.Millisecond)
	}
	return id, out
}

func TestDebuggerCancelTask(t *testing.T) {
	if debuggerHook == nil {
		t.Fatal("init did not reference debuggerCancelTask")
	}
	ctx, cancel := WithCancel(context.Background())
	defer cancel()
	tctx := ctx.(*trackedCtx)
	id, out := startWaiter(t, ctx, "victim")

	if !debuggerHook(id) {
		t.Fatalf("debuggerCancelTask(%d) = false, want true", id)
	}
	select {
	case cause := <-out:
		if !errors.Is(cause, errDebuggerCancel) {
			t.Fatalf("task saw cause %v, want %v", cause, errDebuggerCancel)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("task did not return after the debugger cancel")
	}
	rec := waitCancel(t, tctx.id)
	if rec.how != howExplicit || rec.causeStr() != errDebuggerCancel.Error() {
		t.Fatalf("cancel record how=%d cause=%q", rec.how, rec.causeStr())
	}
	end := waitEnded(t, id)
	if end.outcome != outcomeCancelled {
		t.Fatalf("task outcome %d, want cancelled (%d)", end.outcome, outcomeCancelled)
	}
	// Ended: no longer findable, a second call does nothing.
	if debuggerCancelTask(id) {
		t.Fatal("cancelled an ended task")
	}
}

func TestDebuggerCancelTaskRefusals(t *testing.T) {
	if debuggerCancelTask(0) || debuggerCancelTask(^uint64(0)) {
		t.Fatal("cancelled a task that does not exist")
	}
	// A task started from Background has no tracker context to cancel.
	plain, cancelPlain := context.WithCancel(context.Background())
	id, out := startWaiter(t, plain, "untracked-ctx")
	if debuggerCancelTask(id) {
		t.Fatal("cancelled a task without a tracker context")
	}
	cancelPlain()
	<-out
	// An already-cancelled tracker context is not cancelled again.
	ctx, cancel := WithCancel(context.Background())
	id2, out2 := startWaiter(t, ctx, "done-ctx")
	cancel()
	<-out2
	if debuggerCancelTask(id2) {
		t.Fatal("cancelled an already-done context")
	}
}
