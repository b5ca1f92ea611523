package tracker

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

type ctxKey struct{}

// trackedCtx is a context returned by the With* wrappers: the standard library's
// cancelable context plus an id and a record of who cancelled it.
type trackedCtx struct {
	context.Context // the context package's own cancelCtx or timerCtx

	id       uint64
	parentID uint64
	cancelFn context.CancelCauseFunc
	stop     func() bool // stops the AfterFunc watching for parent/deadline cancellation
	parent   context.Context
	// timerCancel releases the deadline layer; nil without a deadline.
	timerCancel context.CancelFunc
	recorded    atomic.Bool // a cancel record was written
}

// Value returns the tracked context for the package's key and defers to the inner context otherwise.
func (c *trackedCtx) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return c
	}
	return c.Context.Value(key)
}

// currentCtxID returns the id of the nearest tracker context in ctx's chain, 0 if none.
func currentCtxID(ctx context.Context) uint64 {
	if c, ok := ctx.Value(ctxKey{}).(*trackedCtx); ok {
		return c.id
	}
	return 0
}

// WithCancel is context.WithCancel; calling the returned CancelFunc (first, while the
// context is not yet done) records a cancellation with the caller's goroutine, task and stack.
func WithCancel(parent context.Context) (context.Context, context.CancelFunc) {
	c := newTracked(parent, false, time.Time{})
	return c, c.cancel
}

// WithCancelCause is context.WithCancelCause; the cause's text is recorded.
func WithCancelCause(parent context.Context) (context.Context, context.CancelCauseFunc) {
	c := newTracked(parent, false, time.Time{})
	return c, c.cancelCause
}

// WithTimeout is context.WithTimeout; expiry is recorded as a deadline cancellation.
func WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return WithDeadline(parent, time.Now().Add(d))
}

// WithDeadline is context.WithDeadline; expiry is recorded as a deadline cancellation.
func WithDeadline(parent context.Context, t time.Time) (context.Context, context.CancelFunc) {
	c := newTracked(parent, true, t)
	return c, c.cancel
}

func newTracked(parent context.Context, hasDeadline bool, d time.Time) *trackedCtx {
	if parent == nil {
		panic("tracker: cannot create context from nil parent")
	}
	c := &trackedCtx{
		id:       atomic.AddUint64(&root.lastCtxID, 1),
		parentID: currentCtxID(parent),
		parent:   parent,
	}
	inner, cancel := context.WithCancelCause(parent)
	c.cancelFn = cancel
	if hasDeadline {
		// WithDeadlineCause's own cancel cannot take a cause: cancel the cause layer
		// below it, which cancels the timer layer as a child.
		inner, c.timerCancel = context.WithDeadline(inner, d)
	}
	c.Context = inner
	switch {
	case hasDeadline:
		c.stop = context.AfterFunc(inner, c.onDone) // the parent or the deadline
	case parent.Done() != nil:
		// Only the parent can cancel c without c.cancel: watch it, not inner, which
		// spares inner a children map of its own.
		c.stop = context.AfterFunc(parent, c.onDone)
	}
	return c
}

func (c *trackedCtx) cancel() { c.cancelWithCause(nil) }

func (c *trackedCtx) cancelCause(cause error) { c.cancelWithCause(cause) }

// cancelWithCause records the cancel (if it is the one that cancels) and cancels.
// The recorded stack starts at its caller, that is with the CancelFunc's plumbing
// (methods of trackedCtx and their compiler-made "-fm" wrappers, physical or inlined):
// readers skip those leading frames (LAYOUT.md, cancel records), which is exact whatever
// the compiler inlined, where a fixed skip count here would not be.
//
//go:noinline
func (c *trackedCtx) cancelWithCause(cause error) {
	if c.Context.Err() == nil && c.recorded.CompareAndSwap(false, true) {
		if c.stop != nil {
			c.stop()
		}
		text := "context canceled"
		if cause != nil {
			text = cause.Error()
		}
		var pcs [stackMax]uintptr
		n := captureStack(0, pcs[:])
		goid := curGoidSlow()
		recordCancel(&cancelInfo{
			ctxID:       c.id,
			parentCtxID: c.parentID,
			how:         howExplicit,
			goid:        goid,
			taskID:      goroutineTask(goid),
			nanos:       nowNanos(),
			cause:       text,
			pcs:         pcs[:n],
		})
	}
	c.cancelFn(cause)
	if c.timerCancel != nil {
		c.timerCancel()
	}
}

// onDone runs (in its own goroutine) when the context is done without an explicit cancel.
func (c *trackedCtx) onDone() {
	if !c.recorded.CompareAndSwap(false, true) {
		return
	}
	how := uint64(howParent)
	if c.timerCancel != nil && c.parent.Err() == nil && errors.Is(c.Context.Err(), context.DeadlineExceeded) {
		how = howDeadline
	}
	// Without a deadline onDone watches the parent, and may run before the parent's
	// cancellation has reached inner: the parent's cause is the one inner gets.
	causeOf := c.Context
	if how == howParent {
		causeOf = c.parent
	}
	text := ""
	if cause := context.Cause(causeOf); cause != nil {
		text = cause.Error()
	}
	recordCancel(&cancelInfo{
		ctxID:       c.id,
		parentCtxID: c.parentID,
		how:         how,
		nanos:       nowNanos(),
		cause:       text,
	})
}
