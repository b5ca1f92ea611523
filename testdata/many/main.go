// Command many is a debugger test target with a large number of blocked
// goroutines in a realistic shape, for 10k and 100k benchmarks.
//
// main starts -spawners main.spawner goroutines; spawner k creates its share
// of the -n workers (the first n%spawners spawners create one more), then
// blocks in [chan receive]. Worker i of a spawner is, by i%5:
//
//	0  main.recvWorker      [chan receive]
//	1  main.selectWorker    [select]
//	2  main.sleepWorker     [sleep]
//	3  main.mutexWorker     [sync.Mutex.Lock] (the spawner's mutex, held by main)
//	4  main.labelledWorker  [chan receive], pprof labels spawner=<k> kind=labelled
//
// Once all workers are parked, main calls ready() (break on main.ready),
// prints "READY <pid>" and blocks forever in select{}.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

var (
	started sync.WaitGroup
	forever = make(chan struct{})
	never1  = make(chan int)
	never2  = make(chan string)
)

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

func main() {
	n := flag.Int("n", 1000, "number of worker goroutines")
	spawners := flag.Int("spawners", 4, "number of spawner goroutines")
	flag.Parse()
	if *n < 0 || *spawners < 1 {
		fmt.Fprintln(os.Stderr, "many: need -n >= 0 and -spawners >= 1")
		os.Exit(2)
	}

	mus := make([]sync.Mutex, *spawners)
	started.Add(*n + *spawners)
	for k := 0; k < *spawners; k++ {
		count := *n / *spawners
		if k < *n%*spawners {
			count++
		}
		mus[k].Lock() // held by main forever
		go spawner(k, count, &mus[k])
	}
	started.Wait()
	settle(*n + *spawners)

	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

func spawner(k, count int, mu *sync.Mutex) {
	ctx := pprof.WithLabels(context.Background(),
		pprof.Labels("spawner", strconv.Itoa(k), "kind", "labelled"))
	for i := 0; i < count; i++ {
		switch i % 5 {
		case 0:
			go recvWorker()
		case 1:
			go selectWorker()
		case 2:
			go sleepWorker()
		case 3:
			go mutexWorker(mu)
		case 4:
			go labelledWorker(ctx)
		}
	}
	started.Done()
	<-forever
}

func recvWorker() {
	started.Done()
	<-forever
}

func selectWorker() {
	started.Done()
	select {
	case <-never1:
	case <-never2:
	}
}

func sleepWorker() {
	started.Done()
	time.Sleep(1000 * time.Hour)
}

func mutexWorker(mu *sync.Mutex) {
	started.Done()
	mu.Lock()
}

func labelledWorker(ctx context.Context) {
	pprof.SetGoroutineLabels(ctx)
	started.Done()
	<-forever
}

// settle waits until the runtime reports no runnable goroutine and only the
// caller running, a few times in a row, so that all workers are parked.
func settle(want int) {
	samples := []metrics.Sample{
		{Name: "/sched/goroutines/runnable:goroutines"},
		{Name: "/sched/goroutines/running:goroutines"},
	}
	deadline := time.Now().Add(30 * time.Second)
	quiet := 0
	for quiet < 3 {
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "many: warning: goroutines did not settle in 30s")
			return
		}
		time.Sleep(2 * time.Millisecond)
		metrics.Read(samples)
		if runtime.NumGoroutine() > want && samples[0].Value.Uint64() == 0 && samples[1].Value.Uint64() <= 1 {
			quiet++
		} else {
			quiet = 0
		}
	}
}
