package main

import (
	"context"
	"sync"
)

// batchUp counts batch items that have run.
var batchUp sync.WaitGroup

// endBatch runs n "batch-item" tasks that return at once and waits until
// their terminations are recorded: with n >= 1000 the terminated history
// (1000 records by default) is full before the scenarios start.
func endBatch(n int) {
	batchUp.Add(n)
	for i := 0; i < n; i++ {
		goTask(context.Background(), "batch-item", batchItem)
	}
	batchUp.Wait()
	waitEnded("batch-item")
}

// batchItem is one short-lived unit of work.
func batchItem(ctx context.Context) error {
	batchUp.Done()
	return nil
}

// idleUp counts idle workers that have started.
var idleUp sync.WaitGroup

// startIdle starts n live "idle-worker" tasks blocked in [chan receive].
func startIdle(n int) {
	idleUp.Add(n)
	for i := 0; i < n; i++ {
		goTask(context.Background(), "idle-worker", idleWorker)
	}
	idleUp.Wait()
}

// idleWorker waits for work that never comes.
func idleWorker(ctx context.Context) error {
	idleUp.Done()
	<-forever
	return nil
}
