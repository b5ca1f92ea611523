package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestTree(t *testing.T) {
	worker := func(id, parent int64) model.Goroutine {
		return model.Goroutine{
			ID: id, ParentID: parent, Status: model.StatusWaiting, WaitReason: "chan receive",
			Location: loc("main.worker", 40), GoStatement: loc("main.pool", 52), Start: loc("main.worker", 38),
		}
	}
	gs := []model.Goroutine{
		{ID: 1, Status: model.StatusRunning, Location: loc("main.main", 20), Start: loc("main.main", 10)},
		{ID: 2, Status: model.StatusWaiting, WaitReason: "force gc (idle)", System: true,
			Start: model.Location{Function: "runtime.forcegchelper", File: "/go/src/runtime/proc.go", Line: 320}},
		{ID: 7, ParentID: 1, Status: model.StatusWaiting, WaitReason: "semacquire",
			Location: loc("main.(*Pool).Wait", 80), GoStatement: loc("main.main", 22), Start: loc("main.pool", 50)},
		{ID: 30, ParentID: 5, Status: model.StatusWaiting, WaitReason: "select",
			Location: loc("main.leaf", 90), GoStatement: loc("main.spawner", 31), Start: loc("main.leaf", 88)},
		{ID: 40, ParentID: 6, Status: model.StatusRunnable,
			Location: loc("main.orphan", 95), GoStatement: loc("main.gone", 33), Start: loc("main.orphan", 94)},
	}
	for id := int64(10); id < 16; id++ {
		gs = append(gs, worker(id, 7))
	}
	gs = append(gs, model.Goroutine{ID: 20, ParentID: 7, Status: model.StatusRunning,
		Location: loc("main.worker", 44), GoStatement: loc("main.pool", 52), Start: loc("main.worker", 38)})
	s := &model.Snapshot{
		Goroutines: gs,
		Exited: []model.ExitedGoroutine{{ID: 5, ParentID: 1,
			Start: loc("main.spawner", 28), GoStatement: loc("main.main", 24)}},
	}
	// gs is not sorted by id; the snapshot contract wants it sorted, but
	// BuildTree must not care.
	roots := chains.Collapse(chains.BuildTree(s))

	var b strings.Builder
	require.NoError(t, Tree(&b, roots))
	assert.Equal(t, `#1 main.main [running]
├─ #5 (exited) main.spawner (cmd/main.go:24)
│  └─ #30 main.leaf [select] (cmd/main.go:31)
└─ #7 main.pool [semacquire in main.(*Pool).Wait] (cmd/main.go:22)
   ├─ ×6 main.worker [chan receive] (cmd/main.go:52) (ids 10,11,12,13,14,…)
   └─ #20 main.worker [running] (cmd/main.go:52)
#2 runtime.forcegchelper [force gc (idle)]
#6 (exited, no record)
└─ #40 main.orphan [runnable] (cmd/main.go:33)
`, b.String())
}

func TestTreeCycleTerminates(t *testing.T) {
	g := model.Goroutine{ID: 1, Status: model.StatusRunning, Start: loc("main.main", 1)}
	a := &chains.Node{ID: 1, Goroutine: &g, Count: 1}
	a.Children = []*chains.Node{a}
	var b strings.Builder
	require.NoError(t, Tree(&b, []*chains.Node{a}))
	assert.Equal(t, "#1 main.main [running]\n└─ #1 main.main [running] (cycle)\n", b.String())
}

func TestTreeCgoCallbackMarker(t *testing.T) {
	s := &model.Snapshot{Goroutines: []model.Goroutine{
		{ID: 17, Status: model.StatusWaiting, WaitReason: "chan receive", CgoCallback: true, Location: loc("main.onDrain", 50), Start: loc("main.onDrain", 48)},
		{ID: 21, ParentID: 17, Status: model.StatusWaiting, WaitReason: "chan receive", Location: loc("main.handleEvent", 60), GoStatement: loc("main.onEvent", 45), Start: loc("main.handleEvent", 58)},
	}}
	var b strings.Builder
	require.NoError(t, Tree(&b, chains.Collapse(chains.BuildTree(s))))
	assert.Equal(t, "#17 main.onDrain [chan receive]\n"+
		"#17 (created in a C→Go callback on goroutine 17, an id every callback on its C thread reuses: not known to be the goroutine holding it now)\n"+
		"└─ #21 main.handleEvent [chan receive] (cmd/main.go:45)\n", b.String())
	docs := NewTreeDocs(chains.BuildTree(s))
	require.Len(t, docs, 2)
	assert.True(t, docs[1].CgoCallbackID)
	assert.False(t, docs[1].Exited)
	assert.Equal(t, int64(21), docs[1].Children[0].ID)
}
