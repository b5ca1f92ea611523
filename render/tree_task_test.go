package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// TestTreeNamesTasks checks that tracker tasks show as their task, created
// at the user's call site, not as the tracker's runner and go statement; and
// that two different tasks in the same state do not fold together.
func TestTreeNamesTasks(t *testing.T) {
	runner := model.Location{Function: chains.TrackerPackage + ".(*task).run", File: "/t/tracker/task.go", Line: 120}
	goStmt := model.Location{Function: chains.TrackerPackage + ".start", File: "/t/tracker/task.go", Line: 123}
	task := func(id int64, taskID uint64, name string, line int) model.Goroutine {
		return model.Goroutine{ID: id, ParentID: 1, Status: model.StatusWaiting, WaitReason: "chan receive",
			Start: runner, GoStatement: goStmt, Location: model.Location{Function: "main.wait"},
			Task: &model.Task{ID: taskID, Name: name, Created: []model.Frame{
				{Location: model.Location{Function: chains.TrackerPackage + ".Go", File: "/t/tracker/task.go", Line: 40}},
				{Location: model.Location{Function: "main.main", File: "/app/main.go", Line: line}},
			}}}
	}
	snap := &model.Snapshot{Goroutines: []model.Goroutine{
		{ID: 1, Status: model.StatusRunning, Start: model.Location{Function: "runtime.main"}},
		task(5, 1, "flusher", 10), task(6, 2, "checker", 11),
	}}
	var b strings.Builder
	require.NoError(t, Tree(&b, chains.Collapse(chains.BuildTree(snap))))
	out := b.String()
	require.Contains(t, out, "#5 task t:1 flusher [chan receive in main.wait] (app/main.go:10)")
	require.Contains(t, out, "#6 task t:2 checker [chan receive in main.wait] (app/main.go:11)")
	require.NotContains(t, out, "task.go")
}
