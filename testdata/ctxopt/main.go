// Command ctxopt is a debugger test target for context walks without the
// tracker, in a build with the compiler's optimizations (the default):
// four goroutines keep running after their context was cancelled (the
// victims), each holding it a different way, and the goroutine that
// cancelled it keeps running too (it is not a victim: it cancelled the
// context itself).
//
//	main.argVictim      the context is an argument used after the wait
//	main.localVictim    the context is a local derived from the argument
//	main.fieldVictim    the context is a field of a struct argument
//	main.loopVictim     the context is only read before the wait
//	main.canceller      called cancel and keeps running
//
// Once every goroutine is blocked main calls ready() (break on
// main.ready), prints "READY <pid>" and blocks forever.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

var (
	forever = make(chan struct{})
	started sync.WaitGroup
	sink    []string
)

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

type job struct {
	name string
	ctx  context.Context
}

func argVictim(ctx context.Context) {
	started.Done()
	<-forever
	sink = append(sink, fmt.Sprint(ctx.Err()))
}

func localVictim(parent context.Context) {
	ctx, stop := context.WithTimeout(parent, time.Hour)
	defer stop()
	started.Done()
	<-forever
	sink = append(sink, fmt.Sprint(ctx.Err()))
}

func fieldVictim(j job) {
	started.Done()
	<-forever
	sink = append(sink, j.name, fmt.Sprint(j.ctx.Err()))
}

func loopVictim(ctx context.Context) {
	if ctx.Err() != nil {
		sink = append(sink, "early")
	}
	started.Done()
	<-forever
}

// canceller cancels the root once the victims run, then keeps working.
func canceller(ctx context.Context, cancel context.CancelCauseFunc, victims *sync.WaitGroup) {
	victims.Wait()
	cancel(errors.New("maintenance"))
	started.Done()
	<-forever
	sink = append(sink, fmt.Sprint(ctx.Err()))
}

func main() {
	root, cancel := context.WithCancelCause(context.Background())
	var victims sync.WaitGroup
	victims.Add(4)
	started.Add(5)
	wrap := func(f func()) {
		go func() {
			victims.Done()
			f()
		}()
	}
	wrap(func() { argVictim(root) })
	wrap(func() { localVictim(root) })
	wrap(func() { fieldVictim(job{name: "export", ctx: root}) })
	wrap(func() { loopVictim(root) })
	go canceller(root, cancel, &victims)
	started.Wait()
	go func() { // keeps the runtime from declaring a deadlock
		for {
			time.Sleep(time.Hour)
		}
	}()
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}
