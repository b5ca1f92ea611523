// Command ctxchain is a debugger test target for context trees, using only
// the standard library's context package.
//
// Shape:
//
//	root   context.WithCancelCause(Background)        held by main.rootWorker
//	child  context.WithCancel(root)                   held by main.childWorker
//	grand  context.WithTimeout(child, 1h)             held by main.swallower (ignores it)
//	req    context.WithValue(grand, reqKey, "req-42") held by main.grandchildWorker
//	detach context.WithoutCancel(child)               held by main.detachedWorker
//	live   WithTimeout(WithCancel(WithValue(Background)), 1h), never cancelled,
//	       held by main.liveWorker
//
// main.shutdown cancels root with the cause errors.New("disk full"); the
// cancellation propagates root → child → grand. Workers wait for their
// context to be done, then block on a channel that is never closed, keeping
// their context in a live variable. main.swallower never looks at its
// context: it is blocked on something else (a swallowed cancellation).
//
// By default shutdown runs before ready: once every worker has observed
// the cancellation, main calls ready() (break on main.ready), prints
// "READY <pid>" and blocks forever. With -wait-signal, main calls ready and
// prints READY before the cancel, then waits for SIGUSR1 and only then calls
// shutdown (for tests that stop the target at the moment of the cancel).
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
)

type reqKey struct{}

type liveKey struct{}

var (
	// forever is never closed.
	forever = make(chan struct{})
	// observed counts workers that saw their context done.
	observed sync.WaitGroup
	// started counts workers that reached their blocking point.
	started sync.WaitGroup
	// shutdownDone is closed after shutdown returned.
	shutdownDone = make(chan struct{})
)

//go:noinline
func ready() { runtime.KeepAlive(forever) }

// shutdown cancels the root context with a cause.
//
//go:noinline
func shutdown(cancel context.CancelCauseFunc) {
	cancel(errors.New("disk full"))
}

//go:noinline
func rootWorker(ctx context.Context) {
	started.Done()
	<-ctx.Done()
	observed.Done()
	<-forever
	runtime.KeepAlive(ctx)
}

//go:noinline
func childWorker(ctx context.Context) {
	started.Done()
	<-ctx.Done()
	observed.Done()
	<-forever
	runtime.KeepAlive(ctx)
}

//go:noinline
func grandchildWorker(ctx context.Context) {
	started.Done()
	<-ctx.Done()
	observed.Done()
	<-forever
	runtime.KeepAlive(ctx)
}

// swallower holds a context that will be cancelled but does not look at it
// again once it is blocked.
//
//go:noinline
func swallower(ctx context.Context) {
	started.Done()
	if ctx.Err() == nil {
		<-forever // not <-ctx.Done(): the cancellation is swallowed
	}
	runtime.KeepAlive(ctx)
}

// detachedWorker holds a context detached from the cancellation of child.
//
//go:noinline
func detachedWorker(ctx context.Context) {
	started.Done()
	<-ctx.Done() // never: a detached context is not cancelled
	runtime.KeepAlive(ctx)
}

//go:noinline
func liveWorker(ctx context.Context) {
	started.Done()
	<-ctx.Done()
	runtime.KeepAlive(ctx)
}

func main() {
	waitSignal := flag.Bool("wait-signal", false, "print READY before the cancel; cancel on SIGUSR1")
	flag.Parse()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)

	root, rootCancel := context.WithCancelCause(context.Background())
	child, childCancel := context.WithCancel(root)
	defer childCancel()
	grand, grandCancel := context.WithTimeout(child, time.Hour)
	defer grandCancel()
	req := context.WithValue(grand, reqKey{}, "req-42")
	detach := context.WithoutCancel(child)

	lv, liveCancel := context.WithCancel(context.WithValue(context.Background(), liveKey{}, "svc"))
	defer liveCancel()
	live, liveTimeoutCancel := context.WithTimeout(lv, time.Hour)
	defer liveTimeoutCancel()

	started.Add(6)
	observed.Add(3)
	go rootWorker(root)
	go childWorker(child)
	go grandchildWorker(req)
	go swallower(grand)
	go detachedWorker(detach)
	go liveWorker(live)
	started.Wait()

	if *waitSignal {
		settle()
		ready()
		fmt.Printf("READY %d\n", os.Getpid())
		<-sig
		shutdown(rootCancel)
		observed.Wait()
		fmt.Fprintln(os.Stderr, "ctxchain: cancelled")
		select {}
	}

	shutdown(rootCancel)
	observed.Wait()
	settle()
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

// settle gives the workers time to park after signalling.
func settle() {
	time.Sleep(20 * time.Millisecond)
	runtime.Gosched()
}
