// Command tracked is a debugger test target that uses the tracker
// (github.com/dlv-tasks/dlv-tasks/tracker): the scenarios of dlv-tasks issue
// 4 in one program, each in its own file.
//
//	history.go    -ended N "batch-item" tasks that return at start-up, so
//	              that the terminated ring is full (default 1000); -tasks N
//	              extra live "idle-worker" tasks blocked in [chan receive]
//	lifecycle.go  1. silent hang: persistent group "lifecycle" whose
//	              preserved task "event-watcher" returns
//	              "watch stream closed: EOF"; siblings keep running
//	reports.go    2. pile-up: task "report-scheduler" starts a "report-job"
//	              every -period (20ms), each takes -jobtime (1s)
//	leaks.go      3. leak in a dependency: vendorlib goroutines (plain go)
//	              leaked from main.startAuditLog (3) and main.startMetrics (2)
//	chains.go     4. two cancellation chains three hops deep, cancelled by
//	              main.shutdown with cause "disk full" (canceller task alive /
//	              exited); 5. "stubborn-flusher" swallows its cancellation
//
// Built with -tags untracked (backend_plain.go instead of
// backend_tracker.go) it is the same program with plain go statements and
// package context: no tracker, and no pprof labels unless -labels is given
// (then task=name, task.id=N as the tracker sets them, with pprof.Do).
//
// Task ids are handed out in start order and main starts everything up to
// the report scheduler itself, so with -ended E and -tasks N they are:
// batch-item 1..E, idle-worker E+1..E+N, then from E+N+1 on: event-watcher,
// health-checker, config-reloader, chain-root-alive, chain-child-alive,
// chain-grand-alive, stubborn-flusher, canceller-alive, chain-root-exited,
// chain-child-exited, chain-grand-exited, canceller-exited,
// report-scheduler; report-job ids follow.
//
// Once every scenario is in place (its terminations and cancellations
// recorded, at least 10 report jobs running) main calls ready() (break on
// main.ready), prints "READY <pid>" and blocks forever.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"
)

var (
	extraTasks = flag.Int("tasks", 0, "extra live tracked tasks blocked in [chan receive]")
	ended      = flag.Int("ended", 1000, "tasks that end at start-up, to fill the terminated history")
	period     = flag.Duration("period", 20*time.Millisecond, "how often the scheduler starts a report job")
	jobTime    = flag.Duration("jobtime", time.Second, "how long one report job takes")
	minJobs    = flag.Int("jobs", 10, "report jobs running at READY, at least")

	// forever is never closed nor sent on.
	forever = make(chan struct{})
)

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

func main() {
	flag.Parse()
	if *extraTasks < 0 || *ended < 0 || *period <= 0 || *minJobs < 0 {
		fmt.Fprintln(os.Stderr, "tracked: need -tasks >= 0, -ended >= 0, -period > 0, -jobs >= 0")
		os.Exit(2)
	}
	endBatch(*ended)
	startIdle(*extraTasks)
	startLifecycle()
	startLeaks()
	startChains()
	startReports()

	waitReports(*minJobs)
	settle()
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}
