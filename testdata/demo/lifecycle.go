package main

import (
	"context"
	"errors"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

// watcherUp is closed when the event watcher has started.
var watcherUp = make(chan struct{})

// startLifecycle starts the service's long-running daemons as a tracker
// persistent group: a failing task is recorded, its siblings keep running.
func startLifecycle() {
	daemons := tracker.NewPersistentGroup(context.Background(), "lifecycle")
	// Problem 4 — the silent hang.
	// LOOK: "event-watcher" returns "watch stream closed: EOF" a moment after
	// start-up and nothing logs it: no goroutine, no stack, the service just
	// stops reacting to events. `ps-terminated` lists it (error, preserved:
	// its record is never evicted); `where-terminated t:N` (N from
	// ps-terminated) shows the error, when it ended and who started it.
	daemons.Go("event-watcher", watchEvents, tracker.Preserve())
	daemons.Go("health-checker", checkHealth)
	<-watcherUp
	waitTaskGone("event-watcher")
}

// watchEvents reads the event stream until it fails, then returns the
// error, which the group records and nobody logs.
func watchEvents(ctx context.Context) error {
	close(watcherUp)
	for i := 0; ; i++ {
		time.Sleep(5 * time.Millisecond)
		if i == 3 {
			return errors.New("watch stream closed: EOF")
		}
	}
}

// checkHealth runs until the group is shut down (it never is).
func checkHealth(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}
