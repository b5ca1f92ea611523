// Command churn is a debugger test target that rewrites tracker records at
// full speed: several goroutines start tasks and cancel contexts in a loop,
// forever, with rings of 64 records so every slot is rewritten constantly.
// A debugger halting it at random moments catches records mid-write.
//
// Task names are "churn-returned", "churn-error", "churn-cancelled",
// "churn-goexit" and, in groups named "churn-group", "churn-member";
// error texts are "churn error", "context canceled" and the cause
// "churn cause". Each loop's first tasks are preserved.
//
// Once the workers run, main calls ready() (break on main.ready), prints
// "READY <pid>" and blocks forever.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

var (
	errChurn = errors.New("churn error")
	errCause = errors.New("churn cause")
	forever  = make(chan struct{})
)

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

// cancelWithCause is the canceller of the explicit cancellations.
//
//go:noinline
func cancelWithCause(cancel context.CancelCauseFunc) {
	cancel(errCause)
}

// body returns the task function for iteration i.
func body(i int, done chan<- struct{}) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		defer close(done)
		switch i % 4 {
		case 1:
			return errChurn
		case 2:
			<-ctx.Done()
			return ctx.Err()
		case 3:
			runtime.Goexit()
		}
		return nil
	}
}

var names = [4]string{"churn-returned", "churn-error", "churn-cancelled", "churn-goexit"}

// churn starts a task per iteration on a two-level tracker context, cancels
// it, and every eighth iteration runs a group of two.
func churn(ctx context.Context) {
	for i := 0; ; i++ {
		outer, cancel := tracker.WithCancelCause(ctx)
		inner, stop := tracker.WithTimeout(outer, time.Hour)
		done := make(chan struct{})
		var opts []tracker.Option
		if i < 4 {
			opts = append(opts, tracker.Preserve())
		}
		tracker.Go(inner, names[i%4], body(i, done), opts...)
		if i%2 == 0 {
			cancelWithCause(cancel)
		}
		<-done
		stop()
		cancel(nil)
		if i%8 == 0 {
			g, _ := tracker.NewGroup(ctx, "churn-group")
			g.Go("churn-member", func(ctx context.Context) error { return nil })
			g.Go("churn-member", func(ctx context.Context) error { return errChurn })
			_ = g.Wait()
		}
	}
}

func main() {
	workers := flag.Int("workers", 3, "churning goroutines")
	flag.Parse()
	tracker.SetHistory(64)
	ctx := context.Background()
	for w := 0; w < *workers; w++ {
		go churn(ctx)
	}
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	<-forever
}
