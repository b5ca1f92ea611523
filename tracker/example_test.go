package tracker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

func ExampleGo() {
	done := make(chan struct{})
	tracker.Go(context.Background(), "event-loop", func(ctx context.Context) error {
		defer close(done)
		fmt.Println("running as a tracked task")
		return nil
	}, tracker.Preserve())
	<-done
	// Output: running as a tracked task
}

func ExampleNewGroup() {
	g, ctx := tracker.NewGroup(context.Background(), "fetchers")
	g.Go("fetch-a", func(ctx context.Context) error { return errors.New("a: connection refused") })
	g.Go("fetch-b", func(ctx context.Context) error {
		<-ctx.Done() // cancelled by fetch-a's failure
		return ctx.Err()
	})
	fmt.Println(g.Wait())
	fmt.Println(ctx.Err())
	// Output:
	// a: connection refused
	// context canceled
}

func ExampleNewPersistentGroup() {
	g := tracker.NewPersistentGroup(context.Background(), "daemons")
	g.Go("flaky", func(ctx context.Context) error { return errors.New("flaky: gave up") })
	g.Go("steady", func(ctx context.Context) error {
		<-ctx.Done() // keeps running until Shutdown
		return nil
	})
	g.Shutdown()
	fmt.Println("all daemons stopped")
	// Output: all daemons stopped
}

func ExampleWithCancelCause() {
	ctx, cancel := tracker.WithCancelCause(context.Background())
	cancel(errors.New("operator requested stop")) // recorded with this goroutine's stack
	fmt.Println(context.Cause(ctx))
	// Output: operator requested stop
}

func ExampleWithTimeout() {
	ctx, cancel := tracker.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done() // recorded as a deadline cancellation
	fmt.Println(ctx.Err())
	// Output: context deadline exceeded
}

func ExampleWithCancel() {
	ctx, cancel := tracker.WithCancel(context.Background())
	cancel()
	fmt.Println(ctx.Err())
	// Output: context canceled
}

func ExampleWithDeadline() {
	ctx, cancel := tracker.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	<-ctx.Done()
	fmt.Println(ctx.Err())
	// Output: context deadline exceeded
}

func ExampleSetHistory() {
	tracker.SetHistory(10000) // at start-up, before tasks run
	fmt.Println("keeping 10000 terminated tasks")
	// Output: keeping 10000 terminated tasks
}

func ExamplePreserve() {
	done := make(chan struct{})
	tracker.Go(context.Background(), "lifecycle-watcher", func(ctx context.Context) error {
		close(done)
		return nil
	}, tracker.Preserve()) // its termination record is never evicted
	<-done
	fmt.Println("ok")
	// Output: ok
}
