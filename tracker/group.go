package tracker

import (
	"context"
	"errors"
	"sync/atomic"
)

// errShutdown is the cause recorded when PersistentGroup.Shutdown cancels the group.
var errShutdown = errors.New("tracker: persistent group shut down")

func newGroupCore(ctx context.Context, name string, failFast bool) *groupCore {
	gctx, _ := WithCancelCause(ctx) // cancelled through tc.cancelFromGroup
	tc := gctx.(*trackedCtx)
	return &groupCore{
		id:       atomic.AddUint64(&root.lastGroupID, 1),
		name:     name,
		ctx:      gctx,
		cancel:   tc.cancelFromGroup,
		failFast: failFast,
	}
}

// cancelFromGroup cancels the group's context; the recorded stack starts at the
// group code's caller (the failing task's wrapper, Wait or Shutdown).
func (c *trackedCtx) cancelFromGroup(cause error) { c.cancelWithCause(cause) }

// taskFailed is called on the failing task's goroutine after its record is written.
func (g *groupCore) taskFailed(err error) {
	if !g.failFast {
		return
	}
	g.errOnce.Do(func() {
		g.err = err
		g.cancel(err)
	})
}

// Group runs tasks with errgroup semantics: the first task to return a non-nil error
// cancels the group's context, and Wait returns that error after all tasks have ended.
type Group struct {
	core *groupCore
}

// NewGroup returns a Group named name and the context its tasks derive from. That
// context is a tracker context: its cancellation by the first failing task is recorded.
func NewGroup(ctx context.Context, name string) (*Group, context.Context) {
	g := &Group{core: newGroupCore(ctx, name, true)}
	return g, g.core.ctx
}

// Go starts fn as a tracked task of the group, with the group's context as parent.
//
//go:noinline
func (g *Group) Go(name string, fn func(ctx context.Context) error, opts ...Option) {
	start(g.core.ctx, name, fn, g.core, opts)
}

// Wait blocks until every task of the group has ended, cancels the group's context,
// and returns the first non-nil error returned by a task.
func (g *Group) Wait() error {
	g.core.wg.Wait()
	g.core.cancel(g.core.err)
	return g.core.err
}

// PersistentGroup runs tasks whose failures are recorded but do not affect their
// siblings; the group's context is cancelled only by Shutdown (or by its parent).
type PersistentGroup struct {
	core *groupCore
}

// NewPersistentGroup returns a PersistentGroup named name whose tasks derive from ctx.
func NewPersistentGroup(ctx context.Context, name string) *PersistentGroup {
	return &PersistentGroup{core: newGroupCore(ctx, name, false)}
}

// Go starts fn as a tracked task of the group.
//
//go:noinline
func (g *PersistentGroup) Go(name string, fn func(ctx context.Context) error, opts ...Option) {
	start(g.core.ctx, name, fn, g.core, opts)
}

// Shutdown cancels the group's context (recording the caller as canceller) and waits
// for every task of the group to end.
func (g *PersistentGroup) Shutdown() {
	g.core.cancel(errShutdown)
	g.core.wg.Wait()
}
