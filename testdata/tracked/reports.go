package main

import (
	"context"
	"sync/atomic"
	"time"
)

// reportsStarted counts report jobs that have started.
var reportsStarted atomic.Int64

// startReports is scenario 2, the pile-up: the "report-scheduler" task
// starts a "report-job" task every -period, and each job takes -jobtime, so
// about jobtime/period of them run at once.
func startReports() {
	goTask(context.Background(), "report-scheduler", reportScheduler)
}

// reportScheduler starts a report job on every tick, whether or not the
// previous one has finished.
func reportScheduler(ctx context.Context) error {
	t := time.NewTicker(*period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		goTask(ctx, "report-job", runReportJob)
	}
}

// runReportJob pretends to build a report: it is slower than its period.
func runReportJob(ctx context.Context) error {
	reportsStarted.Add(1)
	time.Sleep(*jobTime)
	return nil
}

// waitReports waits until at least n report jobs have started.
func waitReports(n int) {
	for reportsStarted.Load() < int64(n) {
		time.Sleep(5 * time.Millisecond)
	}
}
