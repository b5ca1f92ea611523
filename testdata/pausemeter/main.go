// Command pausemeter is a service-shaped test target that measures, from the
// inside, how long it was kept from running: a debugger that stops it to take
// a snapshot shows up as a gap between the 1 ms ticks of its meter goroutine.
//
// It parks -n worker goroutines in the shape of a small server (connection
// readers in chan receive, pollers in select, timers in sleep, lock waiters
// in sync.Mutex.Lock, and request handlers carrying pprof labels), started by
// -spawners acceptor goroutines. Once they are all parked it starts the
// meter, prints "READY <pid>" and waits.
//
// On each SIGUSR1 it prints one line and starts a new measurement:
//
//	MAXGAP <ns> TICKS <count> SIGNALS <k>
//
// MAXGAP is the longest time between two consecutive ticks seen since READY
// or since the previous report, TICKS how many ticks arrived in that time,
// and SIGNALS how many SIGUSR1 the process has received in all (so a reader
// knows which report answers which signal). The meter runs on its own
// goroutine with GOMAXPROCS left as is; a pause of the whole process shows as
// MAXGAP ≈ pause + the tick period. With -churn a goroutine keeps creating
// and ending OS threads, for tests of a debugger racing with thread creation.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"
)

var (
	parked  sync.WaitGroup
	hangup  = make(chan struct{})
	jobs    = make(chan []byte)
	control = make(chan string)
)

func main() {
	n := flag.Int("n", 1000, "parked worker goroutines")
	acceptors := flag.Int("spawners", 4, "acceptor goroutines that start the workers")
	tick := flag.Duration("tick", time.Millisecond, "meter tick period")
	churn := flag.Bool("churn", false, "keep starting and ending OS threads, as a service making blocking cgo or locked-thread calls does")
	flag.Parse()
	if *n < 0 || *acceptors < 1 || *tick <= 0 {
		fmt.Fprintln(os.Stderr, "pausemeter: need -n >= 0, -spawners >= 1 and -tick > 0")
		os.Exit(2)
	}

	locks := make([]sync.Mutex, *acceptors)
	parked.Add(*n + *acceptors)
	for a := 0; a < *acceptors; a++ {
		share := *n / *acceptors
		if a < *n%*acceptors {
			share++
		}
		locks[a].Lock() // the configuration lock, never released
		go acceptor(a, share, &locks[a])
	}
	parked.Wait()
	waitParked()

	m := newMeter(*tick)
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go m.run()
	if *churn {
		go churnThreads()
	}
	fmt.Printf("READY %d\n", os.Getpid())

	signals := 0
	for range usr1 {
		signals++
		gap, ticks := m.take()
		fmt.Printf("MAXGAP %d TICKS %d SIGNALS %d\n", gap.Nanoseconds(), ticks, signals)
	}
}

// meter records the longest interval between the ticks of a ticker.
type meter struct {
	period time.Duration
	mu     sync.Mutex
	last   time.Time
	maxGap time.Duration
	ticks  int64
}

func newMeter(period time.Duration) *meter {
	return &meter{period: period, last: time.Now()}
}

func (m *meter) run() {
	t := time.NewTicker(m.period)
	defer t.Stop()
	for range t.C {
		now := time.Now()
		m.mu.Lock()
		if gap := now.Sub(m.last); gap > m.maxGap {
			m.maxGap = gap
		}
		m.last = now
		m.ticks++
		m.mu.Unlock()
	}
}

// take returns the longest gap and the tick count since the last take, and
// starts over. The interval still open (since the last tick) counts too, so
// a pause that has just ended is not missed if its tick has not arrived yet.
func (m *meter) take() (time.Duration, int64) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	gap := m.maxGap
	if open := now.Sub(m.last); open > gap {
		gap = open
	}
	ticks := m.ticks
	m.maxGap, m.ticks = 0, 0
	return gap, ticks
}

// churnThreads runs goroutines that lock their OS thread and exit without
// unlocking it, which ends the thread: each next one needs a new thread.
func churnThreads() {
	done := make(chan struct{})
	for {
		go func() {
			runtime.LockOSThread()
			done <- struct{}{}
		}()
		<-done
		time.Sleep(200 * time.Microsecond)
	}
}

func acceptor(a, share int, cfg *sync.Mutex) {
	ctx := pprof.WithLabels(context.Background(),
		pprof.Labels("listener", strconv.Itoa(a), "route", "/api/v1/items"))
	for i := 0; i < share; i++ {
		switch i % 5 {
		case 0:
			go readConn()
		case 1:
			go poll()
		case 2:
			go keepalive()
		case 3:
			go reloadConfig(cfg)
		case 4:
			go handle(ctx)
		}
	}
	parked.Done()
	<-hangup
}

func readConn() {
	parked.Done()
	for b := range jobs {
		_ = len(b)
	}
}

func poll() {
	parked.Done()
	select {
	case <-hangup:
	case msg := <-control:
		_ = msg
	}
}

func keepalive() {
	parked.Done()
	time.Sleep(24 * time.Hour)
}

func reloadConfig(cfg *sync.Mutex) {
	parked.Done()
	cfg.Lock()
}

func handle(ctx context.Context) {
	pprof.SetGoroutineLabels(ctx)
	parked.Done()
	<-hangup
}

// waitParked waits until the scheduler has no runnable goroutine and runs only
// the caller, three samples in a row, so that every worker has parked.
func waitParked() {
	samples := []metrics.Sample{
		{Name: "/sched/goroutines/runnable:goroutines"},
		{Name: "/sched/goroutines/running:goroutines"},
	}
	deadline := time.Now().Add(30 * time.Second)
	for quiet := 0; quiet < 3; {
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "pausemeter: warning: workers did not park within 30s")
			return
		}
		time.Sleep(2 * time.Millisecond)
		metrics.Read(samples)
		if samples[0].Value.Uint64() == 0 && samples[1].Value.Uint64() <= 1 {
			quiet++
		} else {
			quiet = 0
		}
	}
	runtime.Gosched()
}
