package tracker

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Option modifies how Go, Group.Go and PersistentGroup.Go track a task.
type Option struct {
	preserve bool
}

// Preserve returns an Option that keeps the task's termination record in the preserved
// arena, where it is never evicted (in addition to the terminated ring).
func Preserve() Option { return Option{preserve: true} }

type taskKey struct{}

// groupCore is what Group and PersistentGroup share.
type groupCore struct {
	id       uint64
	name     string
	ctx      context.Context // the group's tracker context
	cancel   func(error)     // cancels ctx with a cause, recording the caller
	failFast bool            // Group: the first error cancels ctx
	wg       sync.WaitGroup
	errOnce  sync.Once
	err      error
}

// task is one tracked task; it is also the context handed to fn. What only the live
// record needs (parent, group and context ids, start time, names) is not kept here.
type task struct {
	context.Context // the parent context (plus the task's pprof labels without directLabels)

	id      uint64
	goid    uint64 // goroutine running the task, set by it before it enters goidTab
	fn      func(ctx context.Context) error
	group   *groupCore
	slot1   uint32   // live slot + 1; 0 if untracked (every live slot was taken)
	presIdx int32    // preserved slot, -1 if none
	goidPos int32    // goidTab index, or goidPosNone / goidPosOverflow
	idBuf   [20]byte // text of id, the task.id label's value
	labels  labelSet // with directLabels, the task's pprof label map
	own     [2]label // the task's own labels; labels.list unless the parent had labels
}

// Value returns the task itself for the package's key and defers to the parent otherwise.
func (t *task) Value(key any) any {
	if _, ok := key.(taskKey); ok {
		return t
	}
	if t.labels.list != nil && key == pprofLabelKey {
		return labelMapAny(&t.labels)
	}
	return t.Context.Value(key)
}

// currentTaskID returns the id of the task ctx was started from, 0 if none.
func currentTaskID(ctx context.Context) uint64 {
	if t, ok := ctx.Value(taskKey{}).(*task); ok {
		return t.id
	}
	return 0
}

// Go runs fn in a new goroutine as a tracked task named name. fn receives a context
// derived from ctx that carries the task (so tasks started from it record this one as
// their parent) and the pprof labels task=name and task.id=<id>, which are also set on
// the goroutine. When fn ends, its outcome is recorded in the terminated ring; a panic is
// recorded and then re-raised.
//
//go:noinline
func Go(ctx context.Context, name string, fn func(ctx context.Context) error, opts ...Option) {
	start(ctx, name, fn, nil, opts)
}

// start creates and launches a task. It must be called directly by a noinline public
// function: the recorded creation stack begins at that function's caller.
//
//go:noinline
func start(ctx context.Context, name string, fn func(ctx context.Context) error, g *groupCore, opts []Option) {
	t := &task{
		id:      atomic.AddUint64(&root.lastTaskID, 1),
		fn:      fn,
		group:   g,
		presIdx: -1,
	}
	var lr *taskRecord
	if idx, ok := allocLive(); ok {
		t.slot1 = idx + 1
		lr = liveSlot(idx)
	}
	li := liveInfo{
		id:         t.id,
		parentID:   currentTaskID(ctx),
		ctxID:      currentCtxID(ctx),
		startNanos: nowNanos(),
		name:       name,
	}
	if g != nil {
		li.groupID = g.id
		li.groupName = g.name
		li.flags |= flagInGroup
	}
	for _, o := range opts {
		if o.preserve {
			li.flags |= flagPreserved
		}
	}
	if li.flags&flagPreserved != 0 {
		t.presIdx = int32(reservePreserved())
	}
	idStr := strconv.AppendUint(t.idBuf[:0], t.id, 10)
	idText := unsafe.String(&idStr[0], len(idStr))
	if directLabels {
		t.Context = ctx
		t.labels.list = taskLabels(&t.own, parentLabels(ctx), name, idText)
	} else {
		t.Context = pprof.WithLabels(ctx, pprof.Labels("task", name, "task.id", idText))
	}
	if lr != nil {
		writeLive(lr, &li, 1)
		atomic.AddUint64(&root.live.count, 1)
	}
	if g != nil {
		g.wg.Add(1)
	}
	go t.run()
}

// run is the body of the task's goroutine.
func (t *task) run() {
	pprof.SetGoroutineLabels(t)
	goid := curGoid()
	if t.slot1 != 0 {
		setLiveGoid(liveSlot(t.slot1-1), goid)
		t.goid = goid
		setGoroutineTask(t)
	}
	normal := false
	var err error
	defer func() {
		if normal {
			t.finish(goid, err, false)
			return
		}
		v := recover()
		if v == nil { // runtime.Goexit
			t.finish(goid, nil, true)
			return
		}
		t.finishPanic(goid, v)
		panic(v)
	}()
	err = t.fn(t)
	normal = true
}

// finish records a normal end (or Goexit) and notifies the group.
func (t *task) finish(goid uint64, err error, goexit bool) {
	ei := endInfo{outcome: outcomeReturned, endNanos: nowNanos(), goid: goid}
	switch {
	case goexit:
		ei.outcome = outcomeGoexit
	case err != nil:
		ei.outcome = outcomeError
		if cerr := t.Err(); cerr != nil && errors.Is(err, cerr) {
			ei.outcome = outcomeCancelled
		}
		ei.text = err.Error()
	}
	t.record(&ei)
	if t.group != nil && err != nil {
		// Still mapped to this task, so the group's cancel record names it.
		t.group.taskFailed(err)
	}
	t.release()
}

// finishPanic records a panic; the caller re-raises it.
func (t *task) finishPanic(goid uint64, v any) {
	var pcs [stackMax]uintptr
	n := runtime.Callers(3, pcs[:])
	ei := endInfo{outcome: outcomePanic, endNanos: nowNanos(), goid: goid, text: panicText(v), panicPCs: pcs[:n]}
	t.record(&ei)
	t.release()
}

// record writes the termination record.
func (t *task) record(ei *endInfo) {
	if t.slot1 != 0 {
		recordEnd(liveSlot(t.slot1-1), int64(t.presIdx), ei)
	}
}

// release frees the live slot and tells the group the task is done.
func (t *task) release() {
	if t.slot1 != 0 {
		clearGoroutineTask(t)
		clearLive(liveSlot(t.slot1 - 1))
		atomic.AddUint64(&root.live.count, ^uint64(0))
		freeLive(t.slot1 - 1)
	}
	if t.group != nil {
		t.group.wg.Done()
	}
}

// panicText renders a panic value without symbolizing anything.
func panicText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(v)
	}
}
