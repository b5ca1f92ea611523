package main

import (
	"context"
	"errors"
	"sync"
	"time"
)

var (
	// stagesUp counts chain tasks (and the flusher) that have started.
	stagesUp sync.WaitGroup
	// flushAck is never closed: the flusher waits for it forever.
	flushAck = make(chan struct{})
	// cancels keeps the inner cancel functions, which nothing calls.
	cancels []context.CancelFunc
)

// chain is one three-hop cancellation chain: root (WithCancelCause) →
// child (WithCancel) → grandchild (WithTimeout 1h), one task on each level,
// and a canceller task that cancels the root through main.shutdown.
type chain struct {
	mode       string // "alive" or "exited": what the canceller does after cancelling
	cancelRoot context.CancelCauseFunc
	cancelled  chan struct{}
}

// startChains is scenario 4, the cancellation chains (the canceller task
// stays alive in one, has exited in the other), and scenario 5, the
// swallowed cancellation: "stubborn-flusher" runs under the grandchild of
// the "alive" chain and ignores its cancellation. It returns once every
// chain task but the flusher has returned and every cancel is recorded.
func startChains() {
	for _, mode := range []string{"alive", "exited"} {
		c := &chain{mode: mode, cancelled: make(chan struct{})}
		var rootCtx context.Context
		rootCtx, c.cancelRoot = withCancelCause(context.Background())
		childCtx, cancelChild := withCancel(rootCtx)
		grandCtx, cancelGrand := withTimeout(childCtx, time.Hour)
		cancels = append(cancels, cancelChild, cancelGrand)

		stagesUp.Add(3)
		goTask(rootCtx, "chain-root-"+mode, stage)
		goTask(childCtx, "chain-child-"+mode, stage)
		goTask(grandCtx, "chain-grand-"+mode, stage)
		if mode == "alive" {
			stagesUp.Add(1)
			goTask(grandCtx, "stubborn-flusher", stubbornFlusher)
		}
		stagesUp.Wait()

		goTask(context.Background(), "canceller-"+mode, c.canceller)
		<-c.cancelled
		for _, level := range []string{"root", "child", "grand"} {
			waitEnded("chain-" + level + "-" + mode)
		}
	}
	waitEnded("canceller-exited")
	settle()
}

// stage is a chain task: it works until its context is cancelled, then
// returns the context's error (recorded as "cancelled").
func stage(ctx context.Context) error {
	stagesUp.Done()
	<-ctx.Done()
	return ctx.Err()
}

// stubbornFlusher waits for an acknowledgement that never comes and never
// looks at ctx.Done(): its cancellation is swallowed.
func stubbornFlusher(ctx context.Context) error {
	stagesUp.Done()
	<-flushAck
	return nil
}

// canceller cancels the chain's root through shutdown; in the "alive" chain
// it then keeps running, in the "exited" one it returns. It is kept out of
// line so that the canceller stack shows it below main.shutdown.
//
//go:noinline
func (c *chain) canceller(ctx context.Context) error {
	shutdown(c.cancelRoot)
	close(c.cancelled)
	if c.mode == "alive" {
		<-forever
	}
	return nil
}

// shutdown is the origin of both chains: it cancels the root context with
// the cause "disk full".
//
//go:noinline
func shutdown(cancel context.CancelCauseFunc) {
	cancel(errors.New("disk full"))
}
