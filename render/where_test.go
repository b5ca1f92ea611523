package render

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// whereSnapshot: 1 main (live) created 4 (exited, record) which created 5
// (exited, record) which created 12 (live); 9 (exited, no record) created 13.
func whereSnapshot() *model.Snapshot {
	gs := psFixture()
	gs[2].ParentID = 5
	gs[2].Task = &model.Task{ID: 7, Name: "sync"}
	gs[3].ParentID = 9
	return &model.Snapshot{
		Goroutines: gs,
		Exited: []model.ExitedGoroutine{
			{ID: 4, ParentID: 1, Start: loc("main.starter", 50), GoStatement: loc("main.main", 23)},
			{ID: 5, ParentID: 4, GoStatement: loc("main.starter", 55)},
		},
	}
}

func TestWhere(t *testing.T) {
	s := whereSnapshot()
	chain, err := chains.CreationChain(s, 12)
	require.NoError(t, err)
	frames := []model.Frame{{Location: loc("main.worker", 40)}, {Location: loc("main.run", 9)}}
	ancestors := []model.Ancestor{
		{ID: 5, Stack: []model.Frame{{Location: loc("main.spawner", 60)}}},
		{ID: 4, Unreadable: "truncated"},
	}
	var b strings.Builder
	require.NoError(t, Where(&b, s.Goroutine(12), frames, false, chain, ancestors))
	assert.Equal(t, `Goroutine 12 [chan receive, 3m12s]:
  labels: shard=3,task=sync
  task: t:7 sync
  0  main.worker
     at /home/u/app/cmd/main.go:40
  1  main.run
     at /home/u/app/cmd/main.go:9

Creation chain:
  goroutine 12 created by goroutine 5 at main.main /home/u/app/cmd/main.go:22
      goroutine 5 has exited
  goroutine 5 created by goroutine 4 at main.starter /home/u/app/cmd/main.go:55
      goroutine 4 has exited (started as main.starter)
  goroutine 4 created by goroutine 1 at main.main /home/u/app/cmd/main.go:23
      goroutine 1 is now at main.main /home/u/app/cmd/main.go:20 [running]

Ancestors (GODEBUG=tracebackancestors):
  goroutine 5:
    0  main.spawner
       at /home/u/app/cmd/main.go:60
  goroutine 4:
    (unreadable: truncated)
`, b.String())
}

func TestWhereEdgeCases(t *testing.T) {
	s := whereSnapshot()

	chain, err := chains.CreationChain(s, 13)
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, Where(&b, nil, nil, false, chain, nil))
	assert.Equal(t, `Goroutine 13 [exited]:
  (no frames)

Creation chain:
  goroutine 13 created by goroutine 9 at main.spawner /home/u/app/cmd/main.go:60
      goroutine 9 has exited (no record)
`, b.String())

	b.Reset()
	g := s.Goroutine(1)
	g.Waited = 2 * time.Second
	require.NoError(t, Where(&b, g, []model.Frame{{Location: loc("main.main", 20)}}, false, nil, nil))
	assert.Equal(t, `Goroutine 1 [running, 2s]:
  0  main.main
     at /home/u/app/cmd/main.go:20

Creation chain:
  (none: created by the runtime)
`, b.String())
}

func TestWhereSaysWhereTheStackIsCut(t *testing.T) {
	frames := []model.Frame{{Location: loc("main.eval", 38)}, {Location: loc("main.eval", 38)}}
	var b strings.Builder
	require.NoError(t, Where(&b, &model.Goroutine{ID: 3, Status: model.StatusRunning}, frames, true, nil, nil))
	assert.Contains(t, b.String(), "     at /home/u/app/cmd/main.go:38\n  … stack cut at 2 frames: where -depth N shows more\n\nCreation chain:")
	doc := jsonString(t, NewWhereDoc(nil, frames, true, nil, nil))
	assert.Contains(t, doc, `"stack_cut": true`)
}

func TestWhereNamesAncestorRecords(t *testing.T) {
	chain := []chains.Link{{ChildID: 9, ParentID: 7, GoStatement: loc("main.stage", 41),
		ParentExited: &model.ExitedGoroutine{ID: 7, Start: loc("main.stage.func1", 40)}, FromAncestors: true}}
	var b strings.Builder
	require.NoError(t, Where(&b, nil, nil, false, chain, nil))
	assert.Contains(t, b.String(), "      goroutine 7 has exited (started as main.stage.func1; recorded by tracebackancestors)\n")
}
