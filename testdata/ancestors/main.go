// Command ancestors is a debugger test target in which goroutines are
// created by a relay of short-lived goroutines: a bootstrap chain of
// -stages stages, each started by the one before. Every third stage stays
// (it serves requests on a channel); the others start the next stage and
// return. Every stage runs a batch of -churn short jobs, and main runs a
// larger one once the stages that return have returned, so the runtime
// reuses the dead stages' goroutine records and the chain has holes that
// only GODEBUG=tracebackancestors=N fills. The last stage starts -workers workers and parks; a monitor logs
// once a minute.
//
// Once everything is parked, main calls ready() (break on main.ready),
// prints "READY <pid>" and blocks forever in select{}.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"
)

type relay struct {
	stages, workers, churn int
	parked                 sync.WaitGroup
	returned               sync.WaitGroup // stages that start the next and return
	requests               chan int
}

// stage runs stage n of the relay: it starts stage n+1, then serves
// requests (every third stage) or returns.
func (r *relay) stage(n int) {
	if n == r.stages {
		r.parked.Add(r.workers)
		for i := 0; i < r.workers; i++ {
			go r.worker(i)
		}
		r.parked.Done()
		return
	}
	started := make(chan struct{})
	if (n+1)%3 != 0 && n+1 != r.stages {
		r.returned.Add(1)
	}
	go func() {
		close(started)
		r.stage(n + 1)
	}()
	<-started
	r.recycle()
	if n%3 == 0 {
		r.parked.Add(1)
		r.serve()
	}
	r.returned.Done()
}

// recycle runs a batch of short jobs to completion.
func (r *relay) recycle() {
	var wg sync.WaitGroup
	for i := 0; i < r.churn; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = fmt.Sprint(i)
		}()
	}
	wg.Wait()
}

func (r *relay) serve() {
	r.parked.Done()
	for req := range r.requests {
		_ = req
	}
}

func (r *relay) worker(i int) {
	r.parked.Done()
	for req := range r.requests {
		_ = req + i
	}
}

//go:noinline
func ready() {}

func main() {
	r := &relay{requests: make(chan int)}
	flag.IntVar(&r.stages, "stages", 12, "relay stages")
	flag.IntVar(&r.workers, "workers", 3, "workers started by the last stage")
	flag.IntVar(&r.churn, "churn", 8, "short jobs run by each stage")
	flag.Parse()
	go func() {
		for range time.Tick(time.Minute) {
			fmt.Fprintln(os.Stderr, "relay up")
		}
	}()
	r.parked.Add(1) // the last stage
	r.returned.Add(1)
	go r.stage(1)
	r.parked.Wait()
	// Once the relay has settled, a last batch of jobs takes the records of
	// the stages that returned.
	r.returned.Wait()
	r.churn *= 4
	r.recycle()
	ready()
	fmt.Println("READY", os.Getpid())
	select {}
}
