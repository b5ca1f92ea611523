package terminal

import (
	"context"
	"sync"
)

// prefetch reads the snapshot of the current stop in the background while
// the prompt waits for a line, so that Tab completes goroutine and task ids
// before any listing was asked for. Completion only looks at what is
// already read (Session.Cached): a keystroke never waits for the read, it
// offers ids once the read is done. The read is cancelled, and waited for,
// before the next command runs, so that it never overlaps a command's own
// calls to Delve.
type prefetch struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// startPrefetch starts the background read, unless the stop's snapshot is
// already read, the target is running (top left it so), or the web view
// holds the session.
func (t *Terminal) startPrefetch() {
	if t.session == nil || t.session.Cached() != nil || t.overtime.running != nil {
		return
	}
	release := func() {}
	if l := t.web.lock; l != nil {
		if !l.TryAcquire() {
			return
		}
		release = l.Release
	}
	p := &t.prefetching
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done != nil {
		release()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	p.cancel, p.done = cancel, done
	go func() {
		defer close(done)
		defer release()
		// An error (the runtime not started, the target exited, Ctrl-C)
		// is the next command's to report: completion just offers no ids.
		_, _ = t.session.Snapshot(ctx, nil)
	}()
}

// stopPrefetch cancels the background read and waits until it has
// returned (a Delve call in flight completes first).
func (t *Terminal) stopPrefetch() {
	p := &t.prefetching
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel, p.done = nil, nil
	p.mu.Unlock()
	if done == nil {
		return
	}
	cancel()
	<-done
}
