package main

import (
	"context"
	"errors"
	"time"
)

// watcherUp is closed when the event watcher has started.
var watcherUp = make(chan struct{})

// startLifecycle is scenario 1, the silent hang: a persistent group
// "lifecycle" with a preserved "event-watcher" that returns an error shortly
// after start-up, and two siblings that keep running. Nothing logs the
// error. It returns once the watcher's termination is recorded.
func startLifecycle() {
	g := newPersistentGroup(context.Background(), "lifecycle")
	g.Go("event-watcher", eventWatcher, preserve())
	g.Go("health-checker", healthChecker)
	g.Go("config-reloader", configReloader)
	<-watcherUp
	waitEnded("event-watcher")
}

// eventWatcher reads the event stream until it fails, and then returns the
// error — which the persistent group records and nobody logs.
func eventWatcher(ctx context.Context) error {
	close(watcherUp)
	s := &eventStream{left: 3}
	for {
		ev, err := s.recv()
		if err != nil {
			return err
		}
		_ = ev
	}
}

// eventStream delivers a few events, then fails.
type eventStream struct{ left int }

// recv returns the next event, or the stream's error.
func (s *eventStream) recv() (string, error) {
	time.Sleep(5 * time.Millisecond)
	if s.left == 0 {
		return "", errors.New("watch stream closed: EOF")
	}
	s.left--
	return "event", nil
}

// healthChecker runs until the group is shut down (it never is).
func healthChecker(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// configReloader runs until the group is shut down (it never is).
func configReloader(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}
