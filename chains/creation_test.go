package chains

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestCreationSite(t *testing.T) {
	plain := model.Goroutine{GoStatement: model.Location{Function: "main.spawn", File: "main.go", Line: 10}}
	require.Equal(t, plain.GoStatement, CreationSite(&plain))

	tracked := model.Goroutine{
		GoStatement: model.Location{Function: TrackerPackage + ".start", File: "task.go", Line: 80},
		Task: &model.Task{Created: []model.Frame{
			{Location: model.Location{Function: TrackerPackage + ".start", File: "task.go", Line: 79}},
			{Location: model.Location{Function: TrackerPackage + ".Go", File: "task.go", Line: 40}},
			{Location: model.Location{Function: "main.reportScheduler", File: "reports.go", Line: 25}},
			{Location: model.Location{Function: "main.main", File: "main.go", Line: 5}},
		}},
	}
	require.Equal(t, model.Location{Function: "main.reportScheduler", File: "reports.go", Line: 25}, CreationSite(&tracked))

	// A task whose stack has no user frame keeps the go statement.
	tracked.Task.Created = tracked.Task.Created[:2]
	require.Equal(t, tracked.GoStatement, CreationSite(&tracked))

	// Grouping by creation uses it: tracker tasks from two call sites form
	// two groups, not one under the tracker's go statement.
	other := tracked
	other.ID = 2
	other.Task = &model.Task{Created: []model.Frame{{Location: model.Location{Function: "main.other", File: "o.go", Line: 3}}}}
	tracked.ID = 1
	tracked.Task = &model.Task{Created: []model.Frame{{Location: model.Location{Function: "main.reportScheduler", File: "reports.go", Line: 25}}}}
	groups := GroupGoroutines([]model.Goroutine{tracked, other}, GroupByCreation, "")
	require.Len(t, groups, 2)
}
