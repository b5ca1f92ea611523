// Command inlined is a debugger test target for symbolizing the stacks the
// tracker records: a task cancels a context from a small function that the
// compiler inlines (main.stopAll, called from main.watch, itself inlined
// into the task's closure). Right before cancelling, main.stopAll takes its
// own stack with runtime.Callers and prints what runtime.CallersFrames makes
// of it — the runtime's own view, inlined frames included — as
//
//	FRAME <function>
//
// lines on stderr, then the program calls ready(), prints "READY <pid>" and
// blocks. The tracker's cancellation record holds the canceller's stack as
// raw pcs from the same call site: a debugger must name the same frames.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

//go:noinline
func ready() {}

// stopAll is small enough to be inlined into its caller.
func stopAll(cancel context.CancelFunc) {
	printFrames()
	cancel()
}

// watch is inlined into the task's closure too.
func watch(cancel context.CancelFunc, n int) {
	if n > 0 {
		stopAll(cancel)
	}
}

//go:noinline
func printFrames() {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(2, pcs) // from printFrames' caller on
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		fmt.Fprintf(os.Stderr, "FRAME %s\n", f.Function)
		if !more {
			break
		}
	}
}

func main() {
	ctx, cancel := tracker.WithCancel(context.Background())
	done := make(chan struct{})
	tracker.Go(context.Background(), "stopper", func(context.Context) error {
		watch(cancel, 1)
		close(done)
		return nil
	})
	<-done
	<-ctx.Done()
	time.Sleep(10 * time.Millisecond) // let the stopper task end and record it
	// A sleeping goroutine keeps the runtime's deadlock detector quiet.
	go func() {
		for {
			time.Sleep(time.Hour)
		}
	}()
	ready()
	fmt.Println("READY", os.Getpid())
	select {}
}
