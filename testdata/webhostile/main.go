// Command webhostile is a debugger test target whose strings are written to
// break a web page that would put them into HTML unescaped: task names, a
// group name, pprof labels and a cancellation cause hold markup and script.
// It also has a cancellation chain with a live canceller.
//
// Shape:
//
//	task "<script>alert(1)</script>" (ctx A)     swallows A's cancellation: blocked on a channel
//	task "ended <img src=x onerror=alert(3)>"    (ctx A) returns ctx.Err() once A is cancelled
//	task "canceller"                             starts main.flusher, cancels A with a cause holding markup, then blocks
//	task "idle" in group "</td><td>group"        blocked on a channel, with a hostile label value
//	main.heartbeat                               runs forever (the live target keeps running)
//
// Once all that is in place main calls ready() (break on main.ready),
// prints "READY <pid>" and keeps running its heartbeat.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

var (
	forever = make(chan struct{})
	beats   atomic.Uint64
	last    atomic.Int64
)

//go:noinline
func ready() { runtime.KeepAlive(forever) }

// heartbeat calls time.Now (one of dlv-tasks' safe points for cancel)
// every few milliseconds, forever.
func heartbeat() {
	for {
		beats.Add(1)
		last.Store(time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
}

// flusher never returns.
func flusher() { <-forever }

func main() {
	ctxA, cancelA := tracker.WithCancelCause(context.Background())
	var swallowing, ended, cancelled sync.WaitGroup
	swallowing.Add(1)
	ended.Add(1)
	cancelled.Add(1)

	tracker.Go(ctxA, "<script>alert(1)</script>", func(ctx context.Context) error {
		swallowing.Done()
		<-forever // never looks at ctx
		return nil
	})
	tracker.Go(ctxA, "ended <img src=x onerror=alert(3)>", func(ctx context.Context) error {
		defer ended.Done()
		<-ctx.Done()
		return ctx.Err()
	})
	swallowing.Wait()
	tracker.Go(context.Background(), "canceller", func(ctx context.Context) error {
		go flusher() // a plain goroutine below the canceller
		cancelA(errors.New(`quota "exceeded" <b onmouseover=alert(4)>now</b>`))
		cancelled.Done()
		<-forever
		return nil
	})
	cancelled.Wait()
	ended.Wait()

	g, _ := tracker.NewGroup(context.Background(), "</td><td>group")
	idle := make(chan struct{})
	g.Go("idle", func(ctx context.Context) error {
		pprof.Do(ctx, pprof.Labels("note", `"><img src=x onerror=alert(2)>`), func(context.Context) {
			close(idle)
			<-forever
		})
		return nil
	})
	<-idle
	go heartbeat()
	time.Sleep(20 * time.Millisecond) // let every goroutine park

	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}
