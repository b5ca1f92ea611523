// Command dispatch is a small job dispatcher, written the way services are:
// handlers picked from tables, runners behind an interface, method values,
// generic pipeline stages, goroutines started from init, through a helper,
// by sync.WaitGroup.Go and by timers, and jobs that carry pprof labels
// (some long, some many, some nested). Every goroutine ends up blocked, and
// once they all are, main calls ready, prints "READY <pid>" and blocks.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	// parked counts goroutines about to block.
	parked sync.WaitGroup
	// shutdown is never closed: every worker waits on it.
	shutdown = make(chan struct{})
)

// janitor is started before main runs.
func init() {
	parked.Add(1)
	go janitor()
}

func janitor() {
	parked.Done()
	<-shutdown
}

// Handlers for the inbound queue, chosen at run time.
func acceptOrder(c chan int) { parked.Done(); <-c }
func refundOrder(c chan int) { parked.Done(); <-c }
func archiveOrder(c chan int) {
	parked.Done()
	select {
	case <-c:
	case <-shutdown:
	}
}

// Runner is something the dispatcher runs in the background.
type Runner interface{ Run(shard int) }

type fetcher struct{ src string }

func (f *fetcher) Run(shard int) {
	parked.Done()
	<-shutdown
}

type indexer struct{ name string }

func (ix indexer) Run(shard int) {
	parked.Done()
	var mu sync.Mutex
	mu.Lock()
	go func() { parked.Done(); mu.Lock() }() // a second locker that never gets it
	<-shutdown
}

// server has a loop started as a method value.
type server struct{ conns chan int }

func (s *server) loop() {
	parked.Done()
	for range s.conns {
	}
}

// stage is a generic pipeline stage.
func stage[T any](in <-chan T, name string) {
	parked.Done()
	for v := range in {
		_ = v
	}
}

// goSafe is the service's spawn helper: every background job goes through it.
func goSafe(name string, f func()) {
	go func() {
		defer func() {
			if r := recover(); r != nil {
				fmt.Fprintln(os.Stderr, name, "panicked:", r)
			}
		}()
		f()
	}()
}

func pollUpstream() { parked.Done(); <-shutdown }
func flushMetrics() { parked.Done(); time.Sleep(time.Hour) }

// walk recurses depth levels and then waits.
func walk(depth int, done <-chan struct{}) int {
	if depth == 0 {
		parked.Done()
		<-done
		return 0
	}
	return walk(depth-1, done) + 1
}

// quitter gives up with runtime.Goexit; its deferred cleanup blocks.
func quitter() {
	defer func() {
		parked.Done()
		<-shutdown
	}()
	runtime.Goexit()
}

// survivor recovers from a panic; its deferred handler blocks.
func survivor() {
	defer func() {
		if r := recover(); r != nil {
			parked.Done()
			<-shutdown
		}
	}()
	panic(errors.New("bad shard"))
}

func labelled(ctx context.Context, what string) {
	parked.Done()
	<-shutdown
}

//go:noinline
func ready() { runtime.KeepAlive(shutdown) }

func main() {
	// Dynamic go statements: a table of handlers and a list of runners.
	inbox := make(chan int)
	handlers := []func(chan int){acceptOrder, refundOrder, refundOrder, archiveOrder}
	parked.Add(len(handlers))
	for _, h := range handlers {
		go h(inbox)
	}
	runners := []Runner{&fetcher{src: "a"}, indexer{name: "b"}, &fetcher{src: "c"}}
	parked.Add(len(runners) + 1) // the indexer starts a locker
	for i, r := range runners {
		go r.Run(i)
	}

	// A method value.
	srv := &server{conns: make(chan int)}
	loop := srv.loop
	parked.Add(1)
	go loop()

	// Generic stages over two element types.
	ints, names := make(chan int), make(chan string)
	parked.Add(3)
	go stage(ints, "ints")
	go stage(names, "names")
	go stage[int](ints, "more ints")

	// Closures in a loop.
	results := make(chan string)
	parked.Add(3)
	for i := range 3 {
		go func() {
			parked.Done()
			results <- "shard " + strconv.Itoa(i)
		}()
	}

	// sync.WaitGroup.Go.
	var group sync.WaitGroup
	parked.Add(2)
	for range 2 {
		group.Go(func() { parked.Done(); <-shutdown })
	}

	// A timer callback.
	parked.Add(1)
	time.AfterFunc(time.Millisecond, func() { parked.Done(); <-shutdown })

	// The spawn helper.
	parked.Add(2)
	goSafe("upstream", pollUpstream)
	goSafe("metrics", flushMetrics)

	// Deep recursion, Goexit, a recovered panic.
	parked.Add(3)
	go walk(40, shutdown)
	go quitter()
	go survivor()

	// Labels: long values, keys sharing a long prefix, many labels, nested Do.
	long := strings.Repeat("x", 70)
	prefix := strings.Repeat("k", 64)
	huge := strings.Repeat("0123456789", 500)
	ctx := context.Background()
	parked.Add(4)
	pprof.Do(ctx, pprof.Labels("id", long, prefix+"A", "1", prefix+"B", "2"), func(ctx context.Context) {
		go labelled(ctx, "long")
	})
	pprof.Do(ctx, pprof.Labels("blob", huge), func(ctx context.Context) {
		go labelled(ctx, "huge")
	})
	var many []string
	for i := range 40 {
		many = append(many, fmt.Sprintf("label%02d", i), fmt.Sprintf("value %d", i))
	}
	pprof.Do(ctx, pprof.Labels(many...), func(ctx context.Context) {
		go labelled(ctx, "many")
	})
	pprof.Do(ctx, pprof.Labels("tenant", "acme"), func(ctx context.Context) {
		pprof.Do(ctx, pprof.Labels("request", "r-17", "tenant", "acme-eu"), func(ctx context.Context) {
			go labelled(ctx, "nested")
		})
	})

	parked.Wait()
	settle()
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

// settle waits until every goroutine but main is blocked.
func settle() {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); ; {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
		n := runtime.Stack(buf, true)
		busy := 0
		for _, head := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(head, "[running]") || strings.Contains(head, "[runnable]") {
				busy++
			}
		}
		if busy <= 1 && n < len(buf) {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "dispatch: goroutines did not settle:\n%s\n", buf[:n])
			os.Exit(1)
		}
	}
}
