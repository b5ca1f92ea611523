package chains

import (
	"errors"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// ErrUntrackedContext is returned by CancelChain for a task started with a
// context the tracker does not know (not derived from a tracker context):
// who cancels it is not recorded.
var ErrUntrackedContext = errors.New("the task was started with a context the tracker does not record (use tracker.WithCancel, WithTimeout, a group, or a parent task's context)")

// CancelHop is one step of a cancellation chain: one tracker context being
// cancelled.
type CancelHop struct {
	// ContextID is the cancelled tracker context.
	ContextID uint64
	// TaskID is the task whose context this is, where the chain reached it
	// through a task (the start task, or a canceller's task); 0 for a
	// context reached as another's parent.
	TaskID uint64
	// How is model.CancelExplicit, CancelParent or CancelDeadline.
	How string
	// Time is when it was cancelled.
	Time time.Time
	// Cause is the cancellation cause text.
	Cause string
	// Record is the tracker's cancellation record.
	Record *model.Cancellation
	// CancellerGoroutine and CancellerTask name the goroutine and task that
	// called cancel (explicit cancels; CancellerTask 0: not in a task).
	CancellerGoroutine int64
	CancellerTask      uint64
	// Canceller is the canceller's goroutine if it is still alive (nil when
	// the snapshot was not read or it has exited).
	Canceller *model.Goroutine
	// CancellerAlive reports that the canceller still runs: its goroutine is
	// in the snapshot, or its task is live.
	CancellerAlive bool
	// CancellerRef is the canceller's task, live or ended (zero when
	// CancellerTask is 0 or no longer recorded; see CancellerKnown).
	CancellerRef   TaskRef
	CancellerKnown bool
	// Stack is the canceller's stack when it called cancel (explicit).
	Stack []model.Frame
	// End says why the chain stops after this hop, "" when it goes on:
	// EndOrigin, EndUntrackedParent, EndNotInTask, EndCancellerUnknown,
	// EndCancellerNotCancelled, EndSelf, EndCycle, EndParentRecordMissing.
	End string
}

// Why a cancellation chain ends.
const (
	// EndOrigin: the hop is the origin (a deadline passed).
	EndOrigin = "origin"
	// EndNotInTask: the canceller ran outside any task: the origin.
	EndNotInTask = "canceller not in a task"
	// EndCancellerNotCancelled: the canceller's own context was not
	// cancelled before it called cancel: the origin.
	EndCancellerNotCancelled = "canceller's context not cancelled"
	// EndCancellerUnknown: the canceller's task is no longer recorded.
	EndCancellerUnknown = "canceller's task no longer recorded"
	// EndUntrackedParent: cancelled through a parent the tracker does not
	// record.
	EndUntrackedParent = "parent context not tracked"
	// EndParentRecordMissing: the parent context's cancellation record has
	// left the ring.
	EndParentRecordMissing = "parent's cancellation no longer recorded"
	// EndSelf: the canceller runs under the very context it cancelled (a
	// group's task failing first cancels its group): the origin.
	EndSelf = "canceller cancelled its own context"
	// EndCycle: the next hop was already shown (a group cancelled by one of
	// its own tasks, or corrupt records).
	EndCycle = "cycle"
)

// CancelChain follows the cancellation of start's context to its origin:
// start's task context (start is t:N, live or ended, or a goroutine running
// a task), then for a context cancelled by its parent the parent's
// cancellation, and for an explicit cancel the canceller task's own
// context, recursively, as long as that one was cancelled no later than the
// cancel it led to. snap may be nil (the canceller's live goroutine is then
// unknown). An empty chain means start's context was not cancelled (as far
// as the tracker's ring remembers). Errors: ErrNoTracker, *UnknownTaskError,
// ErrUntrackedContext.
func CancelChain(tr *model.Tracker, snap *model.Snapshot, start ID) ([]CancelHop, error) {
	return NewTaskIndex(tr, snap).CancelChain(start)
}

// CancelChain is CancelChain over an index.
func (x *TaskIndex) CancelChain(start ID) ([]CancelHop, error) {
	ref, err := x.Resolve(start)
	if err != nil {
		return nil, err
	}
	if ref.Task.ContextID == 0 {
		return nil, ErrUntrackedContext
	}
	return x.chainFrom(ref.Task.ContextID, ref.Task.ID), nil
}

// chainFrom builds the chain from context ctx of task taskID.
func (x *TaskIndex) chainFrom(ctx, taskID uint64) []CancelHop {
	hops := []CancelHop{}
	seen := map[uint64]bool{}
	for ctx != 0 && len(hops) < MaxChainHops {
		c := x.Cancellation(ctx)
		if c == nil {
			if len(hops) > 0 {
				hops[len(hops)-1].End = EndParentRecordMissing
			}
			break
		}
		if seen[ctx] {
			hops[len(hops)-1].End = EndCycle
			break
		}
		seen[ctx] = true
		h := CancelHop{ContextID: ctx, TaskID: taskID, How: c.How, Time: c.Time, Cause: c.Cause, Record: c, Stack: c.Stack}
		ctx, taskID = 0, 0
		switch c.How {
		case model.CancelParent:
			if c.ParentContextID == 0 {
				h.End = EndUntrackedParent
			}
			ctx = c.ParentContextID
		case model.CancelExplicit:
			ctx, taskID = x.canceller(&h, c)
		default: // deadline, or an unknown kind: nothing recorded above it
			h.End = EndOrigin
		}
		hops = append(hops, h)
		if h.End != "" {
			break
		}
	}
	return hops
}

// canceller fills h's canceller from c and returns the canceller task's
// context and task id to follow (0, 0 when the chain ends at h).
func (x *TaskIndex) canceller(h *CancelHop, c *model.Cancellation) (uint64, uint64) {
	h.CancellerGoroutine, h.CancellerTask = c.GoroutineID, c.TaskID
	if x.snap != nil && c.GoroutineID != 0 {
		h.Canceller = x.snap.Goroutine(c.GoroutineID)
	}
	h.CancellerAlive = h.Canceller != nil
	if c.TaskID == 0 {
		h.End = EndNotInTask
		return 0, 0
	}
	ref, ok := x.Find(c.TaskID)
	if !ok {
		h.End = EndCancellerUnknown
		return 0, 0
	}
	h.CancellerRef, h.CancellerKnown = ref, true
	if ref.Live {
		h.CancellerAlive = true
		if h.Canceller == nil {
			h.Canceller = ref.Goroutine
		}
	}
	if ref.Task.ContextID == h.ContextID {
		h.End = EndSelf
		return 0, 0
	}
	next := x.Cancellation(ref.Task.ContextID)
	if next == nil || next.Time.After(c.Time) {
		h.End = EndCancellerNotCancelled
		return 0, 0
	}
	return ref.Task.ContextID, ref.Task.ID
}
