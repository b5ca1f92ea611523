// Command deepctx is a debugger test target with context chains that are
// hard to walk:
//
//	main.deepWaiter   holds a context 1,200 WithValue levels above a
//	                  cancelCtx that main has cancelled (-depth)
//	main.badWaiter    holds a context.Context whose *context.cancelCtx
//	                  pointer was overwritten with 0x1000 (unmapped memory)
//	main.manyWaiter   -many goroutines, each holding its own chain of
//	                  -depth WithValue levels over its own cancelled root
//
// Build it with -gcflags=all=-N -l so that every context variable is
// visible to the debugger. Once every goroutine is blocked main calls
// ready() (break on main.ready), prints "READY <pid>" and blocks forever.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

var forever = make(chan struct{})

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

type levelKey struct{}

// chain returns a context depth WithValue levels above a fresh cancelled
// root.
func chain(depth int) context.Context {
	root, cancel := context.WithCancelCause(context.Background())
	ctx := context.Context(root)
	for i := 0; i < depth; i++ {
		ctx = context.WithValue(ctx, levelKey{}, i)
	}
	cancel(fmt.Errorf("root of %d levels cancelled", depth))
	return ctx
}

// badContext returns a context.Context whose dynamic type is
// *context.cancelCtx and whose pointer is 0x1000, which is never mapped.
func badContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	words := (*[2]uintptr)(unsafe.Pointer(&ctx))
	words[1] = 0x1000
	return ctx
}

func deepWaiter(ctx context.Context, started *sync.WaitGroup) {
	started.Done()
	<-forever
	runtime.KeepAlive(ctx)
}

func badWaiter(ctx context.Context, started *sync.WaitGroup) {
	started.Done()
	<-forever
	runtime.KeepAlive(ctx)
}

func manyWaiter(ctx context.Context, started *sync.WaitGroup) {
	started.Done()
	<-forever
	runtime.KeepAlive(ctx)
}

func main() {
	depth := flag.Int("depth", 1200, "WithValue levels above each cancelled root")
	many := flag.Int("many", 0, "goroutines with their own deep chains")
	flag.Parse()
	var started sync.WaitGroup
	started.Add(2 + *many)
	go deepWaiter(chain(*depth), &started)
	go badWaiter(badContext(), &started)
	for i := 0; i < *many; i++ {
		go manyWaiter(chain(*depth), &started)
	}
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
