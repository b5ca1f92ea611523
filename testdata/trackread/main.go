// Command trackread is a debugger test target that uses the tracker: a few
// live tasks (one in a persistent group), tasks that ended with every outcome
// a running program can keep (returned, error, cancelled, Goexit; a panic
// would crash it), a preserved record, an errgroup whose first error cancels
// its sibling, and a cancellation chain two hops deep (victim's timeout
// context <- parent context <- origin cancelled by main.shutdownOrigin with a
// cause).
//
// With -panic-on-quit, SIGQUIT starts a task "panicker" whose main.explode
// panics: the tracker records the panic and re-raises it, so the program
// crashes (a core dump with GOTRACEBACK=crash) with the record in memory.
//
// Once everything is in place, main calls ready() (break on main.ready),
// prints "READY <pid>" and blocks forever in select{}.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

var (
	forever = make(chan struct{})
	// ended is told each time a terminating task has run its body.
	ended sync.WaitGroup
	// started is told when each live task has entered its body.
	started sync.WaitGroup
)

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

// blockForever is the body of the live tasks.
func blockForever(ctx context.Context) error {
	started.Done()
	<-forever
	return nil
}

// startLive starts the live tasks: "live-sleeper" alone, and "event-loop"
// in the persistent group "daemons".
//
//go:noinline
func startLive(ctx context.Context) {
	started.Add(2)
	tracker.Go(ctx, "live-sleeper", blockForever)
	daemons := tracker.NewPersistentGroup(ctx, "daemons")
	daemons.Go("event-loop", blockForever)
}

// startEnded starts one task per outcome and waits for them to end.
//
//go:noinline
func startEnded(ctx context.Context) {
	ended.Add(3)
	tracker.Go(ctx, "quick", func(ctx context.Context) error {
		defer ended.Done()
		return nil
	})
	tracker.Go(ctx, "failing", func(ctx context.Context) error {
		defer ended.Done()
		return errors.New("disk full")
	}, tracker.Preserve())
	tracker.Go(ctx, "exiter", func(ctx context.Context) error {
		defer ended.Done()
		runtime.Goexit()
		return nil
	})
	ended.Wait()
}

// startParentChild starts "parent", which starts "child" and waits for it.
//
//go:noinline
func startParentChild(ctx context.Context) {
	done := make(chan struct{})
	tracker.Go(ctx, "parent", func(ctx context.Context) error {
		spawnChild(ctx, done)
		<-done
		return nil
	})
	<-done
}

//go:noinline
func spawnChild(ctx context.Context, done chan struct{}) {
	tracker.Go(ctx, "child", func(ctx context.Context) error {
		close(done)
		return nil
	})
}

// startGroup runs the errgroup "startup": "load-config" fails, which
// cancels the group's context, and "warm-cache" returns the cancellation.
//
//go:noinline
func startGroup(ctx context.Context) {
	g, _ := tracker.NewGroup(ctx, "startup")
	g.Go("warm-cache", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	g.Go("load-config", func(ctx context.Context) error {
		return errors.New("config: missing key")
	})
	_ = g.Wait()
}

// shutdownOrigin cancels the origin of the chain with a cause.
//
//go:noinline
func shutdownOrigin(cancel context.CancelCauseFunc) {
	cancel(errors.New("operator requested shutdown"))
}

// startChain builds origin <- middle <- inner (a timeout) and a "victim"
// task on inner, then cancels origin from shutdownOrigin.
//
//go:noinline
func startChain(ctx context.Context) {
	origin, cancel := tracker.WithCancelCause(ctx)
	middle, stopMiddle := tracker.WithCancel(origin)
	inner, stopInner := tracker.WithTimeout(middle, time.Hour)
	done := make(chan struct{})
	tracker.Go(inner, "victim", func(ctx context.Context) error {
		defer close(done)
		<-ctx.Done()
		return ctx.Err()
	})
	shutdownOrigin(cancel)
	<-done
	// The parent-cancelled records are written by context.AfterFunc
	// goroutines: let them run. Calling the stop functions afterwards
	// records nothing (the contexts are already done).
	time.Sleep(200 * time.Millisecond)
	stopInner()
	stopMiddle()
}

// explode is the panicking function of the "panicker" task.
//
//go:noinline
func explode() {
	panic("boom: invariant violated")
}

// panicOnQuit starts "panicker" when SIGQUIT arrives.
func panicOnQuit(ctx context.Context) {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, syscall.SIGQUIT)
	go func() {
		<-quit
		tracker.Go(ctx, "panicker", func(ctx context.Context) error {
			explode()
			return nil
		})
	}()
}

func main() {
	panicMode := flag.Bool("panic-on-quit", false, "on SIGQUIT, crash through a panicking task")
	flag.Parse()
	ctx := context.Background()
	if *panicMode {
		panicOnQuit(ctx)
	}
	startLive(ctx)
	started.Wait()
	startEnded(ctx)
	startParentChild(ctx)
	startGroup(ctx)
	startChain(ctx)
	time.Sleep(100 * time.Millisecond) // let the last task wrappers record their ends
	// A sleeping goroutine keeps the runtime from declaring a deadlock.
	go func() {
		for {
			time.Sleep(time.Hour)
		}
	}()
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}
