// Command demo is the program `dlv-tasks demo` runs: a small "report
// service" with the classic goroutine problems, each one easy to find with
// dlv-tasks. Look for the comments starting with "LOOK:".
//
// The service uses the tracker (github.com/dlv-tasks/dlv-tasks/tracker) for
// its daemons and its export (lifecycle.go, export.go); the pile-up, the
// leaky library, the worker pool and the HTTP server are plain goroutines
// (main.go).
//
// Once everything is in place main calls ready() (break on main.ready),
// prints "READY <pid>" and blocks forever.
//
// Suggested session:
//
//	ps -group creation          the pile-up: many main.runReportJob instances
//	ps -with worker=ingest-1    the labelled worker pool
//	where ID                    ID of a leakylib poll goroutine: its creation
//	                            chain shows which of *our* call sites
//	                            (startAuditLog or startMetrics) leaked it
//	pstree                      the whole tree, from main down, tracker
//	                            groups as scopes
//	ps-terminated               the silent hang: "event-watcher" ended with
//	                            "watch stream closed: EOF"
//	where-terminated t:N        one ended task in full (N from ps-terminated)
//	cancel-chain t:N            who cancelled "upload-chunk": hop by hop up to
//	                            main.abortOnDiskFull, cause "disk full"
//	ps -cancelled               "segment-flusher" ignores its cancellation
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	"example.com/demo/leakylib"
)

var (
	jobTime   = flag.Duration("jobtime", time.Second, "how long one report job takes")
	jobPeriod = flag.Duration("period", 50*time.Millisecond, "how often the scheduler starts a report job")

	// exportDone is never closed: the export the HTTP handler waits for never
	// finishes, so the request stays in flight.
	exportDone = make(chan struct{})
	// orders feeds the ingest workers; nothing is ever sent, so they idle.
	orders = make(chan string)

	handlerEntered = make(chan struct{})
	setup          sync.WaitGroup

	// resume is closed once main has passed ready: until then the report
	// scheduler holds the pile-up at pileUp jobs, so that every stop at
	// main.ready shows the same goroutines.
	resume = make(chan struct{})
)

// pileUp is how many report jobs run when main calls ready.
const pileUp = 6

//go:noinline
func ready() {
	runtime.KeepAlive(exportDone)
}

func main() {
	flag.Parse()

	// Problem 1 — the pile-up.
	// LOOK: main.reportScheduler starts a main.runReportJob every 50ms, but a
	// job takes 1s. Instances overlap: about 20 run at any time, all created
	// by main.reportScheduler. `ps -group creation` shows the count.
	go reportScheduler(*jobPeriod, *jobTime)

	// Problem 2 — the hidden leak in a dependency.
	// LOOK: leakylib.Watch leaks one (*Watcher).poll goroutine per call. The
	// go statement is in leakylib; the parent goroutine tells you which of
	// our call sites is responsible: main.startAuditLog (3 leaks) or
	// main.startMetrics (2 leaks).
	setup.Add(2)
	go startAuditLog()
	go startMetrics()

	// A healthy, labelled worker pool for contrast.
	// LOOK: main.ingestWorker goroutines carry pprof labels
	// worker=ingest-N and queue=orders; they idle in [chan receive].
	for i := 0; i < 3; i++ {
		go ingestWorker(i)
	}

	// Problem 3 — a request that never completes.
	// LOOK: main.handleExport is blocked in [chan receive] waiting for an
	// export that never finishes; main.selfCheck is the client still waiting
	// for its response.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/export", handleExport)
	go http.Serve(ln, mux)
	go selfCheck(ln.Addr().String())
	<-handlerEntered

	setup.Wait()

	// Problems 4–6 — a daemon that died silently, a cancelled export and a
	// task that ignores its cancellation (lifecycle.go, export.go).
	startLifecycle()
	startExport()

	// Let a few report jobs pile up before announcing readiness.
	waitJobsAsleep(pileUp)

	ready()
	close(resume)
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

// reportScheduler starts a report job on every tick, whether or not the
// previous one has finished.
func reportScheduler(period, jobTime time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for n := 0; ; n++ {
		<-t.C
		go runReportJob(n, jobTime) // LOOK: the creation site of the pile-up
		if n+1 == pileUp {
			holdPileUp()
		}
	}
}

// holdPileUp waits until main has passed ready.
//
//go:noinline
func holdPileUp() {
	<-resume
}

// runReportJob pretends to build a report: it is slower than its period.
func runReportJob(n int, d time.Duration) {
	time.Sleep(d)
}

// startAuditLog watches three keys through the leaky library, then keeps
// running (it is a long-lived component).
func startAuditLog() {
	for _, key := range []string{"audit/users", "audit/orders", "audit/billing"} {
		leakylib.Watch(key) // LOOK: leaks a goroutine
	}
	setup.Done()
	select {}
}

// startMetrics watches two keys through the leaky library, then keeps
// running.
func startMetrics() {
	leakylib.Watch("metrics/interval") // LOOK: leaks a goroutine
	leakylib.Watch("metrics/targets")  // LOOK: leaks a goroutine
	setup.Done()
	select {}
}

// ingestWorker is one worker of a labelled pool.
func ingestWorker(i int) {
	labels := pprof.Labels("worker", "ingest-"+strconv.Itoa(i), "queue", "orders")
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		for order := range orders {
			_ = order
		}
	})
}

// handleExport waits for an export that never finishes.
func handleExport(w http.ResponseWriter, r *http.Request) {
	handlerEntered <- struct{}{}
	<-exportDone // LOOK: stuck here, the request stays in flight
	io.WriteString(w, "exported\n")
}

// selfCheck is a client in the same process calling the export endpoint.
// It speaks HTTP on the connection itself (no http.Client, whose transport
// starts and ends goroutines of its own), and waits for the response.
func selfCheck(addr string) {
	conn, err := net.Dial("tcp", addr)
	if err == nil {
		fmt.Fprintf(conn, "GET /export HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		io.Copy(io.Discard, conn) // LOOK: the response never comes
	}
	select {}
}
