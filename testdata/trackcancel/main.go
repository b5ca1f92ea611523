// Command trackcancel is a debugger test target for cancelling a tracker
// task from the debugger (dlv-tasks `cancel t:N`).
//
// Shape:
//
//	task "victim"   (tracker.WithCancel context)  blocked on <-ctx.Done()
//	task "sibling"  (the victim's context)        ignores it, blocked on a channel
//	task "bystander" (its own tracker.WithCancel)  blocked on <-ctx.Done()
//	task "plain"    (context.Background)           blocked on a channel
//	main.heartbeat  calls main.tick (time.Now) every 5 ms (a place the program passes)
//
// When a task's context is cancelled it returns ctx.Err() (recorded by the
// tracker as "cancelled") and first writes "task <name> returned: <cause>"
// on stderr. Once every task runs, main calls ready() (break on main.ready),
// prints "READY <pid>" and blocks forever.
//
// Delve can only call functions compiled without optimizations: build with
// -gcflags="github.com/dlv-tasks/dlv-tasks/tracker=-N -l" so that dlv-tasks can
// call the tracker's debugger hook.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

var (
	forever  = make(chan struct{})
	started  sync.WaitGroup
	ticks    atomic.Uint64
	lastTick atomic.Int64
)

//go:noinline
func ready() { runtime.KeepAlive(forever) }

// tick is called by heartbeat every few milliseconds; it calls time.Now,
// one of dlv-tasks' default safe points.
//
//go:noinline
func tick() {
	ticks.Add(1)
	lastTick.Store(time.Now().UnixNano())
}

func heartbeat() {
	for {
		tick()
		time.Sleep(5 * time.Millisecond)
	}
}

// waiter returns when its context is done.
func waiter(name string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		started.Done()
		<-ctx.Done()
		fmt.Fprintf(os.Stderr, "task %s returned: %v\n", name, context.Cause(ctx))
		return ctx.Err()
	}
}

// sibling shares the victim's context and never looks at it.
func sibling(ctx context.Context) error {
	started.Done()
	if ctx.Err() == nil {
		<-forever
	}
	runtime.KeepAlive(ctx)
	return nil
}

func plain(ctx context.Context) error {
	started.Done()
	<-forever
	return nil
}

func main() {
	victimCtx, cancelVictim := tracker.WithCancel(context.Background())
	defer cancelVictim()
	bystanderCtx, cancelBystander := tracker.WithCancel(context.Background())
	defer cancelBystander()

	started.Add(4)
	tracker.Go(victimCtx, "victim", waiter("victim"))
	tracker.Go(victimCtx, "sibling", sibling)
	tracker.Go(bystanderCtx, "bystander", waiter("bystander"))
	tracker.Go(context.Background(), "plain", plain)
	started.Wait()
	go heartbeat()
	time.Sleep(20 * time.Millisecond)

	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}
