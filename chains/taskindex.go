package chains

import (
	"fmt"
	"strconv"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// TaskRef is a tracker task, live or ended.
type TaskRef struct {
	// Task is the task's record (for an ended task, its termination's).
	Task model.Task
	// Live is true while the task runs.
	Live bool
	// Ended is the termination record of an ended task, nil while it runs.
	Ended *model.Termination
	// Goroutine is the live goroutine running the task, when the snapshot
	// has it; nil otherwise.
	Goroutine *model.Goroutine
}

// TaskIndex answers lookups over one tracker read and, optionally, the
// goroutine snapshot taken at the same stop. Build it once per command.
type TaskIndex struct {
	tr        *model.Tracker
	snap      *model.Snapshot
	live      map[uint64]*model.Task
	ended     map[uint64]*model.Termination
	liveByG   map[int64]*model.Task
	endedByG  map[int64]*model.Termination
	gByTask   map[uint64]*model.Goroutine
	cancelled map[uint64]*model.Cancellation
}

// NewTaskIndex indexes tr and snap (either may be nil). Where the tracker
// holds duplicates (torn reads of a running target), the first record wins:
// the newest, as terminations and cancellations are newest first.
func NewTaskIndex(tr *model.Tracker, snap *model.Snapshot) *TaskIndex {
	x := &TaskIndex{
		tr: tr, snap: snap,
		live: map[uint64]*model.Task{}, ended: map[uint64]*model.Termination{},
		liveByG: map[int64]*model.Task{}, endedByG: map[int64]*model.Termination{},
		gByTask: map[uint64]*model.Goroutine{}, cancelled: map[uint64]*model.Cancellation{},
	}
	if snap != nil {
		for i := range snap.Goroutines {
			g := &snap.Goroutines[i]
			if g.Task != nil && x.gByTask[g.Task.ID] == nil {
				x.gByTask[g.Task.ID] = g
			} else if id, err := strconv.ParseUint(g.Labels["task.id"], 10, 64); err == nil && x.gByTask[id] == nil {
				x.gByTask[id] = g
			}
		}
	}
	if tr == nil {
		return x
	}
	for i := range tr.Live {
		t := &tr.Live[i]
		if x.live[t.ID] == nil {
			x.live[t.ID] = t
		}
		if t.GoroutineID != 0 && x.liveByG[t.GoroutineID] == nil {
			x.liveByG[t.GoroutineID] = t
		}
		if g := x.gByTask[t.ID]; g != nil && x.liveByG[g.ID] == nil {
			x.liveByG[g.ID] = t
		}
	}
	for i := range tr.Terminated {
		e := &tr.Terminated[i]
		if x.ended[e.Task.ID] == nil {
			x.ended[e.Task.ID] = e
		}
		if gid := e.Task.GoroutineID; gid != 0 && x.endedByG[gid] == nil {
			x.endedByG[gid] = e
		}
	}
	for i := range tr.Cancellations {
		c := &tr.Cancellations[i]
		if c.ContextID != 0 && x.cancelled[c.ContextID] == nil {
			x.cancelled[c.ContextID] = c
		}
	}
	return x
}

// Find returns task id, live or ended.
func (x *TaskIndex) Find(id uint64) (TaskRef, bool) {
	if t := x.live[id]; t != nil {
		return TaskRef{Task: *t, Live: true, Goroutine: x.goroutineOf(t)}, true
	}
	if e := x.ended[id]; e != nil {
		return TaskRef{Task: e.Task, Ended: e}, true
	}
	return TaskRef{}, false
}

// goroutineOf is the live goroutine running the live task t, or nil.
func (x *TaskIndex) goroutineOf(t *model.Task) *model.Goroutine {
	if g := x.gByTask[t.ID]; g != nil {
		return g
	}
	if x.snap != nil && t.GoroutineID != 0 {
		return x.snap.Goroutine(t.GoroutineID)
	}
	return nil
}

// OfGoroutine returns the task goroutine gid runs or, if it has exited, the
// newest ended task it ran.
func (x *TaskIndex) OfGoroutine(gid int64) (TaskRef, bool) {
	if t := x.liveByG[gid]; t != nil {
		return x.Find(t.ID)
	}
	if e := x.endedByG[gid]; e != nil {
		return TaskRef{Task: e.Task, Ended: e}, true
	}
	return TaskRef{}, false
}

// Resolve finds the task named by id: task t:N itself, or the task that
// goroutine N runs (or last ran). It fails with ErrNoTracker without the
// tracker and with *UnknownTaskError for an unknown task.
func (x *TaskIndex) Resolve(id ID) (TaskRef, error) {
	if x.tr == nil {
		return TaskRef{}, ErrNoTracker
	}
	if id.IsTask() {
		if r, ok := x.Find(id.Task); ok {
			return r, nil
		}
		return TaskRef{}, &UnknownTaskError{ID: id.Task}
	}
	if r, ok := x.OfGoroutine(id.Goroutine); ok {
		return r, nil
	}
	return TaskRef{}, fmt.Errorf("goroutine %d runs no tracker task (and ran none that is still recorded)", id.Goroutine)
}

// Cancellation returns the record of tracker context ctxID being
// cancelled, or nil when it was not (or the record left the ring).
func (x *TaskIndex) Cancellation(ctxID uint64) *model.Cancellation {
	if ctxID == 0 {
		return nil
	}
	return x.cancelled[ctxID]
}

// TaskAncestor is one step of a task's creation chain: the parent task ID
// and what is known of it (Known false: neither live nor recorded).
type TaskAncestor struct {
	ID    uint64
	Known bool
	Ref   TaskRef
}

// CreationChain returns the tasks that started task id, nearest first:
// its parent task, that one's parent, and so on, each live or ended, until
// a task without parent or one no longer known (which ends the chain with
// Known false). It stops before revisiting a task and after MaxChainHops.
func (x *TaskIndex) CreationChain(id uint64) []TaskAncestor {
	r, ok := x.Find(id)
	if !ok {
		return nil
	}
	var out []TaskAncestor
	seen := map[uint64]bool{id: true}
	for p := r.Task.ParentID; p != 0 && !seen[p] && len(out) < MaxChainHops; {
		seen[p] = true
		pr, ok := x.Find(p)
		out = append(out, TaskAncestor{ID: p, Known: ok, Ref: pr})
		if !ok {
			break
		}
		p = pr.Task.ParentID
	}
	return out
}
