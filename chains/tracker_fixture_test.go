package chains

import (
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func frames(fns ...string) []model.Frame {
	var out []model.Frame
	for i, fn := range fns {
		out = append(out, model.Frame{Location: model.Location{Function: fn, File: "/src/app/main.go", Line: 10 * (i + 1)}})
	}
	return out
}

// trackerFixture models the scenarios of the tracked test target:
//
//	task 1 server (g 10, ctx 1) started group 1 "pg": task 2 poller (g 11,
//	live) and task 3 watcher (ended with an error, preserved).
//	main.shutdown in task 5 (g 20, ended) cancelled ctx 10 with a cause;
//	ctx 11 derives from 10, ctx 12 (a timeout) from 11; task 6 (g 12) runs
//	under ctx 12 and is still running: a swallowed cancellation; task 7
//	under ctx 12 ended cancelled.
//	group 2 "eg" (ctx 30) was cancelled by its own task 8 failing.
//	task 9 (g 13) runs under ctx 40, whose corrupt records form a cycle;
//	task 11 (g 14) under ctx 50, whose deadline passed; task 12 (g 15)
//	with an untracked context; task 13 (g 16) whose parent task 4 ended.
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
				Outcome: model.OutcomeReturned, Ended: at(30) /* out of order on purpose */, Duration: 10 * time.Second},
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
	snap.Sort()
	return tr, snap
}
