// Command growth is a debugger test target whose goroutines change at known
// rates, one site per behaviour:
//
//   - main.fetchOnce leaks: main.leakLoop starts -leak per second of wall
//     time (catching up after the process was stopped), and each blocks
//     forever in [chan receive] on a reply that never comes.
//   - main.worker: a pool of -workers goroutines fed a job every 5 ms by
//     main.feed: steady.
//   - main.handle: requests started 20 times a second by main.serve, each
//     living 120 ms: steady (2 or 3 at a time), with churn.
//   - main.spin: one goroutine that never blocks: hot.
//   - main.runReportJob: main.scheduleReports starts one every 100 ms; each
//     holds the report lock for 150 ms, so new ones start before old ones
//     end: a pile-up (~3.3 more a second, ~6.7 ending a second).
//   - main.idle: -idle goroutines blocked in [select] forever, to make the
//     target big.
//   - main.meter: a 1 ms ticker that records every gap between two of its
//     ticks longer than 3 ms (how long the process was stopped, as the
//     process saw it) in main.gaps, a ring of main.gapCount entries.
//
// Once everything runs, main calls ready() (break on main.ready), prints
// "READY <pid>" and blocks forever.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var (
	forever = make(chan struct{})
	// gaps is a ring of the meter's long gaps in nanoseconds; gapCount
	// counts every gap recorded (gaps[(gapCount-1)%len(gaps)] is the last).
	gaps     [256]int64
	gapCount int64
	spun     atomic.Uint64
	reportMu sync.Mutex
)

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

type reply struct{ body []byte }

// fetchOnce waits for a reply nobody will send. (Kept out of line, as a
// real fetch is, so that it has a frame of its own.)
//
//go:noinline
func fetchOnce(id int, replies chan reply) {
	r := <-replies
	_ = r.body[id]
}

func leakLoop(perSec float64) {
	start := time.Now()
	started := 0
	tick := time.NewTicker(5 * time.Millisecond)
	for range tick.C {
		want := int(time.Since(start).Seconds() * perSec)
		for ; started < want; started++ {
			go fetchOnce(started, make(chan reply))
		}
	}
}

func worker(jobs <-chan int, sum *atomic.Int64) {
	for j := range jobs {
		sum.Add(int64(j))
	}
}

func feed(jobs chan<- int) {
	tick := time.NewTicker(5 * time.Millisecond)
	for i := 0; ; i++ {
		<-tick.C
		jobs <- i
	}
}

func handle(req int, done chan<- int) {
	time.Sleep(120 * time.Millisecond)
	done <- req
}

func serve() {
	done := make(chan int, 64)
	tick := time.NewTicker(50 * time.Millisecond)
	for i := 0; ; i++ {
		select {
		case <-tick.C:
			go handle(i, done)
		case <-done:
		}
	}
}

func spin() {
	for {
		spun.Add(1)
	}
}

func runReportJob(n int) {
	reportMu.Lock()
	defer reportMu.Unlock()
	time.Sleep(150 * time.Millisecond)
	_ = n
}

func scheduleReports() {
	tick := time.NewTicker(100 * time.Millisecond)
	for i := 0; ; i++ {
		<-tick.C
		go runReportJob(i)
	}
}

func idle(stop <-chan struct{}, wake <-chan int) {
	select {
	case <-stop:
	case <-wake:
	}
}

func meter() {
	tick := time.NewTicker(time.Millisecond)
	last := time.Now()
	for now := range tick.C {
		if gap := now.Sub(last); gap > 3*time.Millisecond {
			n := atomic.AddInt64(&gapCount, 1)
			atomic.StoreInt64(&gaps[(n-1)%int64(len(gaps))], int64(gap))
		}
		last = now
	}
}

func main() {
	leak := flag.Float64("leak", 20, "leaked goroutines per second")
	workers := flag.Int("workers", 8, "worker pool size")
	idleN := flag.Int("idle", 0, "idle goroutines")
	flag.Parse()

	go meter()
	stop := make(chan struct{})
	wake := make(chan int)
	for i := 0; i < *idleN; i++ {
		go idle(stop, wake)
	}
	jobs := make(chan int)
	var sum atomic.Int64
	for i := 0; i < *workers; i++ {
		go worker(jobs, &sum)
	}
	go feed(jobs)
	go serve()
	go spin()
	go scheduleReports()
	go leakLoop(*leak)

	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	<-forever
}
