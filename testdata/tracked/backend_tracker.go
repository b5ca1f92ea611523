//go:build !untracked

package main

import (
	"bytes"
	"context"
	"runtime/pprof"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

// option is the tracker's task option.
type option = tracker.Option

// The scenarios call the tracker through these variables, so that the
// untracked build (backend_plain.go) runs the same program with plain go
// statements and package context. Calling a function value adds no frame:
// the tracker's recorded creation and canceller stacks begin in the
// scenario code itself.
var (
	goTask          = tracker.Go
	withCancel      = tracker.WithCancel
	withCancelCause = tracker.WithCancelCause
	withTimeout     = tracker.WithTimeout
	preserve        = tracker.Preserve
)

// taskGroup is what the scenarios use of a tracker group.
type taskGroup interface {
	Go(name string, fn func(ctx context.Context) error, opts ...option)
}

// newPersistentGroup is tracker.NewPersistentGroup.
func newPersistentGroup(ctx context.Context, name string) taskGroup {
	return tracker.NewPersistentGroup(ctx, name)
}

// waitEnded blocks until no goroutine carries the pprof label task=name: the
// tracker sets it on the task's goroutine when the task starts and records
// the termination before that goroutine exits, so once the label is gone the
// record is in the terminated ring. Callers make sure the tasks have started.
func waitEnded(name string) {
	want := []byte(`"task":"` + name + `"`)
	var buf bytes.Buffer
	for {
		buf.Reset()
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			panic(err)
		}
		if !bytes.Contains(buf.Bytes(), want) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// settle blocks until the tracker's asynchronous cancellation records are
// written: a tracker context cancelled through its parent or its deadline is
// recorded by a goroutine that context.AfterFunc starts
// ((*trackedCtx).onDone), so it waits until no goroutine runs that function.
func settle() {
	want := []byte("tracker.(*trackedCtx).onDone")
	var buf bytes.Buffer
	for {
		buf.Reset()
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			panic(err)
		}
		if !bytes.Contains(buf.Bytes(), want) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
