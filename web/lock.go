package web

import (
	"context"
	"sync"
)

// Lock serializes use of one debugging session between its faces: the web
// view takes it around every session call, and the prompt, running in the
// same process, takes it around every command. Unlike sync.Mutex, waiting
// for it can be given up (a browser request gone, Ctrl-C at the prompt).
type Lock struct {
	ch      chan struct{}
	mu      sync.Mutex
	running bool
}

// NewLock returns an unlocked Lock.
func NewLock() *Lock { return &Lock{ch: make(chan struct{}, 1)} }

// Acquire waits for the lock until ctx is done; it returns ctx's error
// when it gave up.
func (l *Lock) Acquire(ctx context.Context) error {
	select {
	case l.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TryAcquire takes the lock if it is free.
func (l *Lock) TryAcquire() bool {
	select {
	case l.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

// Release gives the lock back.
func (l *Lock) Release() { <-l.ch }

// Running reports whether a face has continued the target and holds the
// lock until it stops.
func (l *Lock) Running() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.running
}

// SetRunning marks that the lock's holder is running the target (only
// Halt may then be called without the lock).
func (l *Lock) SetRunning(running bool) { l.setRunning(running) }

func (l *Lock) setRunning(running bool) {
	l.mu.Lock()
	l.running = running
	l.mu.Unlock()
}
