package tracker

import "errors"

// errDebuggerCancel is the cause recorded when a debugger cancels a task.
var errDebuggerCancel = errors.New("tracker: cancelled from the debugger")

// debuggerHook keeps debuggerCancelTask in the binary: the linker drops
// unreferenced functions, and init references it.
var debuggerHook func(id uint64) bool

func init() { debuggerHook = debuggerCancelTask }

// debuggerCancelTask cancels the context of the live task id: the nearest
// tracker context (WithCancel, WithCancelCause, WithTimeout, WithDeadline,
// or a group's context) in the context the task was started with. Tasks
// started from the same tracker context share it, so they are cancelled
// together. The cancel is recorded like any other explicit cancel, with the
// cause errDebuggerCancel and the calling goroutine as canceller.
//
// It reports whether a context was cancelled: false when no live task has
// that id (or its goroutine has not started yet), when its context holds no
// tracker context, or when that context was already done.
//
// It is not called by the package: dlv-tasks calls it in a stopped target
// through Delve's function-call injection (`call`). Delve can only call
// functions compiled without optimizations, so the target must build this
// package with -gcflags="github.com/dlv-tasks/dlv-tasks/tracker=-N -l" (both:
// Delve treats inlining as optimization).
//
//go:noinline
func debuggerCancelTask(id uint64) bool {
	t := liveTaskByID(id)
	if t == nil {
		return false
	}
	c, ok := t.Context.Value(ctxKey{}).(*trackedCtx)
	if !ok || c.Context.Err() != nil {
		return false
	}
	c.cancelWithCause(errDebuggerCancel)
	return true
}

// liveTaskByID finds a running task by id in the goroutine -> task table (goidTab,
// then its overflow maps).
func liveTaskByID(id uint64) *task {
	if id == 0 {
		return nil
	}
	in := &root.internal
	for i := range in.goidTab {
		if t := in.goidTab[i].Load(); t != nil && t.id == id {
			return t
		}
	}
	for i := range in.goids {
		sh := &in.goids[i]
		sh.mu.Lock()
		for _, t := range sh.m {
			if t != nil && t.id == id {
				sh.mu.Unlock()
				return t
			}
		}
		sh.mu.Unlock()
	}
	return nil
}
