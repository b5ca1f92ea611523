package terminal

import (
	"context"
	"fmt"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// fakeSession is a Session over fixtures, without Delve: a core-like target
// (not live) unless live is set.
type fakeSession struct {
	snap    *model.Snapshot
	tracker *model.Tracker
	live    bool
	// evals records Eval's goroutine arguments; switched SwitchGoroutine's.
	evals     []int64
	switched  []int64
	bps       []model.Breakpoint
	cancelled []uint64
	// cancelErr, if set, is what CancelTask fails with.
	cancelErr error
}

func (f *fakeSession) Snapshot(ctx context.Context, _ model.Progress) (*model.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read goroutines: %w", err)
	}
	return f.snap, nil
}
func (f *fakeSession) Cached() *model.Snapshot { return f.snap }
func (f *fakeSession) Tracker(context.Context) (*model.Tracker, error) {
	return f.tracker, nil
}
func (f *fakeSession) TrackerHistory(context.Context) (*model.Tracker, error) {
	if f.tracker == nil {
		return nil, nil
	}
	h := *f.tracker
	h.Live = nil
	return &h, nil
}
func (f *fakeSession) Stack(id int64, _ int) ([]model.Frame, error) {
	g := f.snap.Goroutine(id)
	if g == nil {
		return nil, fmt.Errorf("goroutine %d: %w", id, model.ErrUnknownGoroutine)
	}
	return []model.Frame{{Location: g.Location}}, nil
}
func (f *fakeSession) Ancestors(int64, int, int) ([]model.Ancestor, bool, error) {
	return nil, false, nil
}
func (f *fakeSession) Contexts(int64) ([]model.ContextChain, error) { return nil, nil }
func (f *fakeSession) Live() bool                                   { return f.live }
func (f *fakeSession) stop() (model.StopState, error) {
	if !f.live {
		return model.StopState{}, model.ErrNotLive
	}
	return model.StopState{GoroutineID: 1, Location: f.snap.Goroutines[0].Location}, nil
}
func (f *fakeSession) Continue() (model.StopState, error) { return f.stop() }
func (f *fakeSession) Halt() (model.StopState, error)     { return f.stop() }
func (f *fakeSession) Next() (model.StopState, error)     { return f.stop() }
func (f *fakeSession) Step() (model.StopState, error)     { return f.stop() }
func (f *fakeSession) StepOut() (model.StopState, error)  { return f.stop() }
func (f *fakeSession) State() (model.StopState, error) {
	return model.StopState{GoroutineID: 1, Location: f.snap.Goroutines[0].Location}, nil
}
func (f *fakeSession) SwitchGoroutine(id int64) (model.StopState, error) {
	g := f.snap.Goroutine(id)
	if g == nil {
		return model.StopState{}, fmt.Errorf("goroutine %d: %w", id, model.ErrUnknownGoroutine)
	}
	f.switched = append(f.switched, id)
	return model.StopState{GoroutineID: id, Location: g.Location}, nil
}
func (f *fakeSession) Break(spec, cond string) (model.Breakpoint, error) {
	if !f.live {
		return model.Breakpoint{}, fmt.Errorf("break %s: %w", spec, model.ErrNotLive)
	}
	bp := model.Breakpoint{ID: len(f.bps) + 1, Cond: cond, Location: model.Location{Function: spec, File: "/src/app/main.go", Line: 9}}
	f.bps = append(f.bps, bp)
	return bp, nil
}
func (f *fakeSession) Breakpoints() ([]model.Breakpoint, error) { return f.bps, nil }
func (f *fakeSession) ClearBreakpoint(s string) (model.Breakpoint, error) {
	return model.Breakpoint{}, fmt.Errorf("clear %s: no such breakpoint", s)
}
func (f *fakeSession) Eval(gid int64, _ int, expr string) (string, error) {
	f.evals = append(f.evals, gid)
	return expr, nil
}
func (f *fakeSession) Dump(string) error {
	if !f.live {
		return model.ErrNotLive
	}
	return nil
}
func (f *fakeSession) BreakOnCancel(gid int64) (model.Breakpoint, error) {
	if !f.live {
		return model.Breakpoint{}, model.ErrNotLive
	}
	return model.Breakpoint{Name: fmt.Sprintf("cancel%d", gid), Location: model.Location{Function: "context.(*cancelCtx).cancel", File: "/go/src/context/context.go", Line: 540}}, nil
}
func (f *fakeSession) CancelTask(id uint64) (bool, error) {
	if !f.live {
		return false, model.ErrNotLive
	}
	f.cancelled = append(f.cancelled, id)
	if f.cancelErr != nil {
		return false, f.cancelErr
	}
	return len(f.cancelled) == 1, nil
}

// goroutine builds a live goroutine blocked in fn, created by main.
func goroutine(id int64, fn string) model.Goroutine {
	return model.Goroutine{
		ID: id, ParentID: 1, Status: model.StatusWaiting, WaitReason: "chan receive",
		Location:    model.Location{Function: fn, File: "/src/app/main.go", Line: 40},
		GoStatement: model.Location{Function: "main.main", File: "/src/app/main.go", Line: 12},
		Start:       model.Location{Function: fn, File: "/src/app/main.go", Line: 38},
	}
}

// taskSession: main (1), task t:1 "poller" running on goroutine 7, task
// t:2 "loader" ended with an error.
func taskSession() *fakeSession {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	poller := model.Task{ID: 1, Name: "poller", GoroutineID: 7, Started: t0}
	tr := &model.Tracker{Version: 1, Now: t0.Add(time.Minute), Live: []model.Task{poller},
		Terminated: []model.Termination{{Task: model.Task{ID: 2, Name: "loader", GoroutineID: 8, Started: t0},
			Outcome: model.OutcomeError, Text: "config: missing key", Ended: t0.Add(time.Second), Duration: time.Second}}}
	main := goroutine(1, "main.main")
	main.ParentID, main.GoStatement = 0, model.Location{}
	g7 := goroutine(7, "main.poll")
	g7.Task = &poller
	snap := &model.Snapshot{Goroutines: []model.Goroutine{main, g7}, Tracker: tr}
	return &fakeSession{snap: snap, tracker: tr}
}

// manyGoroutines is a target of n goroutines, all created by main.
func manyGoroutines(n int) *fakeSession {
	snap := &model.Snapshot{Goroutines: make([]model.Goroutine, 0, n)}
	for i := 1; i <= n; i++ {
		snap.Goroutines = append(snap.Goroutines, goroutine(int64(i), "main.worker"))
	}
	return &fakeSession{snap: snap}
}

func (f *fakeSession) StackCut(id int64, depth int) ([]model.Frame, bool, error) {
	fs, err := f.Stack(id, depth)
	return fs, false, err
}

func (f *fakeSession) Stacks(_ context.Context, ids []int64, depth int) map[int64]model.Stack {
	out := map[int64]model.Stack{}
	for _, id := range ids {
		if fs, err := f.Stack(id, depth); err == nil {
			out[id] = model.Stack{Frames: fs}
		}
	}
	return out
}

func (f *fakeSession) IndirectCalls([]uint64) map[uint64]bool { return nil }

func (f *fakeSession) AncestorsOf([]int64) (map[int64][]model.Ancestor, bool) { return nil, false }

func (f *fakeSession) TrackerError() error { return nil }
