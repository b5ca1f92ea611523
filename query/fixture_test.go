package query

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// The fixtures follow chains' own (chains/tracker_fixture_test.go): the
// scenarios of the tracked test target, as a tracker read and a snapshot.

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func frames(fns ...string) []model.Frame {
	var out []model.Frame
	for i, fn := range fns {
		out = append(out, model.Frame{Location: model.Location{Function: fn, File: "/src/app/main.go", Line: 10 * (i + 1)}})
	}
	return out
}

// gr builds a live goroutine blocked in a channel receive in fn, created by
// parent at main.spawn main.go:10 (no go statement when parent is 0).
func gr(id, parent int64, fn string) model.Goroutine {
	g := model.Goroutine{
		ID:         id,
		ParentID:   parent,
		Status:     model.StatusWaiting,
		WaitReason: "chan receive",
		Labels:     map[string]string{},
		Location:   model.Location{Function: fn, File: "/src/app/main.go", Line: 100 + int(id)},
		Start:      model.Location{Function: fn, File: "/src/app/main.go", Line: 1},
	}
	if parent != 0 {
		g.GoStatement = model.Location{Function: "main.spawn", File: "/src/app/main.go", Line: 10}
	}
	return g
}

// trackerFixture: task 1 server (g 10) with group "pg" (task 2 poller, g 11,
// live; task 3 watcher ended with an error, preserved); task 5 shutdown
// (ended) cancelled ctx 10, from which ctx 11 and 12 derive; task 6 (g 12)
// still runs under ctx 12 (a swallowed cancellation), task 7 under ctx 12
// ended cancelled; task 8 failed and cancelled group "eg"; task 9 (g 13)
// under a cyclic context record; task 11 (g 14) past its deadline; task 12
// (g 15) with an untracked context; task 13 (g 16) whose parent task 4
// (no parent, no context) ended. Goroutine 1 runs main and no task;
// goroutine 30 has exited and its runtime record survives.
func trackerFixture() (*model.Tracker, *model.Snapshot) {
	tr := &model.Tracker{
		Version: 1,
		Now:     at(60),
		Live: []model.Task{
			{ID: 1, Name: "server", GoroutineID: 10, ContextID: 1, Started: at(0), Created: frames("main.main")},
			{ID: 2, Name: "poller", ParentID: 1, Group: "pg", GroupID: 1, GoroutineID: 11, ContextID: 1, Started: at(1)},
			{ID: 6, Name: "inner", ParentID: 1, GoroutineID: 12, ContextID: 12, Started: at(2)},
			{ID: 9, Name: "looper", GoroutineID: 13, ContextID: 40, Started: at(3)},
			{ID: 11, Name: "timed", GoroutineID: 14, ContextID: 50, Started: at(3)},
			{ID: 12, Name: "plain", GoroutineID: 15, Started: at(3)},
			{ID: 13, Name: "orphan", ParentID: 4, GoroutineID: 16, ContextID: 1, Started: at(4)},
		},
		Terminated: []model.Termination{
			{Task: model.Task{ID: 7, Name: "inner2", ParentID: 1, GoroutineID: 17, ContextID: 12, Started: at(2)},
				Outcome: model.OutcomeCancelled, Text: "context canceled", Ended: at(31), Duration: 29 * time.Second},
			{Task: model.Task{ID: 8, Name: "fails", ParentID: 1, Group: "eg", GroupID: 2, GoroutineID: 18, ContextID: 30, Started: at(1)},
				Outcome: model.OutcomePanic, Text: "boom", PanicStack: frames("runtime.gopanic", "main.fails"), Ended: at(25), Duration: 24 * time.Second},
			{Task: model.Task{ID: 5, Name: "shutdown", ParentID: 1, GoroutineID: 20, ContextID: 1, Started: at(20), Created: frames("main.server")},
				Outcome: model.OutcomeReturned, Ended: at(30), Duration: 10 * time.Second},
			{Task: model.Task{ID: 3, Name: "watcher", ParentID: 1, Group: "pg", GroupID: 1, GoroutineID: 19, ContextID: 1, Started: at(1), Created: frames("main.startWatchers", "main.server")},
				Outcome: model.OutcomeError, Text: "watch: connection reset", Ended: at(5), Duration: 4 * time.Second, Preserved: true},
			{Task: model.Task{ID: 4, Name: "spawner", GoroutineID: 21, Started: at(0)},
				Outcome: model.OutcomeGoexit, Ended: at(4), Duration: 4 * time.Second},
		},
		Cancellations: []model.Cancellation{
			{ContextID: 12, ParentContextID: 11, How: model.CancelParent, Time: at(30), Cause: "maintenance window"},
			{ContextID: 11, ParentContextID: 10, How: model.CancelParent, Time: at(30), Cause: "maintenance window"},
			{ContextID: 10, How: model.CancelExplicit, GoroutineID: 20, TaskID: 5, Time: at(30), Cause: "maintenance window",
				Stack: frames("main.shutdown", "main.shutdownTask")},
			{ContextID: 30, How: model.CancelExplicit, GoroutineID: 18, TaskID: 8, Time: at(25), Cause: "context canceled", Stack: frames("tracker.(*Group).fail", "main.fails")},
			{ContextID: 40, ParentContextID: 41, How: model.CancelParent, Time: at(10)},
			{ContextID: 41, ParentContextID: 40, How: model.CancelParent, Time: at(10)},
			{ContextID: 50, How: model.CancelDeadline, Time: at(50), Cause: "context deadline exceeded"},
		},
	}
	snap := &model.Snapshot{Tracker: tr}
	for _, t := range tr.Live {
		g := gr(t.GoroutineID, 1, "main."+t.Name)
		task := t
		g.Task = &task
		snap.Goroutines = append(snap.Goroutines, g)
	}
	snap.Goroutines = append(snap.Goroutines, gr(1, 0, "main.main"))
	snap.Exited = []model.ExitedGoroutine{{ID: 30, ParentID: 1, Start: model.Location{Function: "main.gone", File: "/src/app/main.go", Line: 1}}}
	snap.Sort()
	return tr, snap
}

// plainFixture is a target without the tracker: main (1) created workers
// 2..n+1, each blocked in main.worker; goroutine 90 is the runtime's.
func plainFixture(n int) *model.Snapshot {
	snap := &model.Snapshot{}
	snap.Goroutines = append(snap.Goroutines, gr(1, 0, "main.main"))
	for i := 0; i < n; i++ {
		snap.Goroutines = append(snap.Goroutines, gr(int64(i+2), 1, "main.worker"))
	}
	sys := gr(90, 0, "runtime.forcegchelper")
	sys.System = true
	snap.Goroutines = append(snap.Goroutines, sys)
	snap.Sort()
	return snap
}

// cancelledContexts is a frame's context variable whose parent context is
// cancelled: what Contexts finds in a goroutine that swallowed it.
func cancelledContexts() []model.ContextChain {
	return []model.ContextChain{{Frame: 1, Function: "main.worker", Variable: "ctx", Cancelled: 1, Path: []model.ContextNode{
		{Type: "*context.valueCtx", Addr: 0xc000010000},
		{Type: "*context.cancelCtx", Addr: 0xc000010100, Err: "context canceled", Cause: "shutting down"},
	}}}
}

// fakeSource answers from fixtures and counts what the query layer reads.
type fakeSource struct {
	snap    *model.Snapshot
	tracker *model.Tracker // nil: the target does not use the tracker
	// snapErr, trackerErr fail the reads.
	snapErr, trackerErr error
	// snapTrackerErr is what TrackerError reports: the tracker read for the
	// snapshot failed.
	snapTrackerErr error
	stacks         map[int64][]model.Frame
	ancestorsErr   error
	// indirect marks call sites (pcs) that call through a function value;
	// ancestorRecords are tracebackancestors records by goroutine (nil: the
	// target keeps none).
	indirect        map[uint64]bool
	ancestorRecords map[int64][]model.Ancestor
	contexts        map[int64][]model.ContextChain
	contextsErr     map[int64]error
	// read is set once Snapshot has been called: Cached returns snap only
	// then, as a session does.
	read bool
	// counts of reads by kind.
	snapshots, trackers, histories, contextReads, stackReads int
	// onContexts, if set, runs before each Contexts call.
	onContexts func()
}

func (f *fakeSource) Snapshot(ctx context.Context, progress model.Progress) (*model.Snapshot, error) {
	f.snapshots++
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read goroutines: %w", err)
	}
	if f.snapErr != nil {
		return nil, f.snapErr
	}
	if progress != nil {
		progress("goroutines", len(f.snap.Goroutines), len(f.snap.Goroutines))
	}
	f.read = true
	return f.snap, nil
}

func (f *fakeSource) Cached() *model.Snapshot {
	if !f.read {
		return nil
	}
	return f.snap
}

func (f *fakeSource) Tracker(ctx context.Context) (*model.Tracker, error) {
	f.trackers++
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read tracker: %w", err)
	}
	return f.tracker, f.trackerErr
}

func (f *fakeSource) TrackerHistory(ctx context.Context) (*model.Tracker, error) {
	f.histories++
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read tracker: %w", err)
	}
	if f.tracker == nil || f.trackerErr != nil {
		return nil, f.trackerErr
	}
	h := *f.tracker
	h.Live = nil
	return &h, nil
}

func (f *fakeSource) Stack(id int64, depth int) ([]model.Frame, error) {
	fs, ok := f.stacks[id]
	if !ok {
		return nil, fmt.Errorf("goroutine %d: %w", id, model.ErrUnknownGoroutine)
	}
	if depth > 0 && len(fs) > depth {
		fs = fs[:depth]
	}
	return fs, nil
}

func (f *fakeSource) Ancestors(id int64, n, depth int) ([]model.Ancestor, bool, error) {
	if f.ancestorsErr != nil {
		return nil, false, f.ancestorsErr
	}
	return []model.Ancestor{{ID: 1, Stack: frames("main.main")}}, true, nil
}

func (f *fakeSource) Contexts(gid int64) ([]model.ContextChain, error) {
	f.contextReads++
	if f.onContexts != nil {
		f.onContexts()
	}
	if err := f.contextsErr[gid]; err != nil {
		return nil, err
	}
	return f.contexts[gid], nil
}

// trackedSource is a fake over trackerFixture; withSnapTracker says whether
// the snapshot already carries the tracker read.
func trackedSource(withSnapTracker bool) *fakeSource {
	tr, snap := trackerFixture()
	if !withSnapTracker {
		snap.Tracker = nil
	}
	stacks := map[int64][]model.Frame{}
	for _, g := range snap.Goroutines {
		stacks[g.ID] = frames("runtime.gopark", g.Location.Function, "main.main")
	}
	return &fakeSource{snap: snap, tracker: tr, stacks: stacks}
}

var errBoom = errors.New("boom")

func (f *fakeSource) StackCut(id int64, depth int) ([]model.Frame, bool, error) {
	fs, ok := f.stacks[id]
	if !ok {
		return nil, false, fmt.Errorf("goroutine %d: %w", id, model.ErrUnknownGoroutine)
	}
	if depth <= 0 {
		depth = model.DefaultStackDepth
	}
	if len(fs) > depth {
		return fs[:depth], true, nil
	}
	return fs, false, nil
}

func (f *fakeSource) Stacks(ctx context.Context, ids []int64, depth int) map[int64]model.Stack {
	f.stackReads++
	if ctx.Err() != nil {
		return nil
	}
	out := map[int64]model.Stack{}
	for _, id := range ids {
		if fs, more, err := f.StackCut(id, depth); err == nil {
			out[id] = model.Stack{Frames: fs, More: more}
		}
	}
	return out
}

func (f *fakeSource) IndirectCalls(pcs []uint64) map[uint64]bool {
	out := map[uint64]bool{}
	for _, pc := range pcs {
		out[pc] = f.indirect[pc]
	}
	return out
}

func (f *fakeSource) AncestorsOf(ids []int64) (map[int64][]model.Ancestor, bool) {
	if f.ancestorRecords == nil {
		return nil, false
	}
	out := map[int64][]model.Ancestor{}
	for _, id := range ids {
		if as, ok := f.ancestorRecords[id]; ok {
			out[id] = as
		}
	}
	return out, true
}

func (f *fakeSource) TrackerError() error { return f.snapTrackerErr }
