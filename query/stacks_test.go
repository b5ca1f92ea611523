package query

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// helperStack is the stack of a goroutine that a spawn helper's closure
// (main.spawn.func1, calling f through a function value) started to run fn.
func helperStack(fn string) []model.Frame {
	return []model.Frame{
		{Location: model.Location{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 463, PC: 0x1000}},
		{Location: model.Location{Function: fn, File: "/src/app/main.go", Line: 40, PC: 0x2000}},
		{Location: model.Location{Function: "main.spawn.func1", File: "/src/app/main.go", Line: 12, PC: 0x3000}},
		{Location: model.Location{Function: "runtime.goexit", File: "/go/src/runtime/asm_amd64.s", Line: 1771, PC: 0x4000}},
	}
}

func TestPsGroupOriginLooksBelowSpawnHelpers(t *testing.T) {
	snap := plainFixture(4)
	src := &fakeSource{snap: snap, stacks: map[int64][]model.Frame{}, indirect: map[uint64]bool{0x3000: true}}
	for i, g := range snap.Goroutines {
		fn := "main.serveClient"
		if i%2 == 0 {
			fn = "main.flushMetrics"
		}
		src.stacks[g.ID] = helperStack(fn)
	}
	src.stacks[1] = frames("main.main", "runtime.main")
	q := New(src)

	d, err := q.Ps(bg, PsRequest{Filter: chains.Filter{UserOnly: true}, Group: "creation"})
	require.NoError(t, err)
	assert.Len(t, d.(*GroupsDoc).Groups, 2, "creation: main.spawn and main.main's own")
	assert.Zero(t, src.stackReads, "-group creation read stacks")

	d, err = q.Ps(bg, PsRequest{Filter: chains.Filter{UserOnly: true}, Group: "origin"})
	require.NoError(t, err)
	keys := map[string]int{}
	for _, g := range d.(*GroupsDoc).Groups {
		keys[g.Key] = g.Count
	}
	assert.Contains(t, fmt.Sprint(keys), "main.serveClient")
	assert.Contains(t, fmt.Sprint(keys), "main.flushMetrics")
	assert.NotContains(t, fmt.Sprint(keys), "main.spawn.func1", "the helper's closure is not an origin")
	assert.Positive(t, src.stackReads)

	d, err = q.Ps(bg, PsRequest{Filter: chains.Filter{UserOnly: true}, Group: "stack", Limit: 1})
	require.NoError(t, err)
	require.Len(t, d.(*GroupsDoc).Groups, 1)
	assert.Contains(t, text(t, d), "main.spawn.func1", "a stack bucket shows the whole stack")
}

func TestPsGroupOriginInterrupted(t *testing.T) {
	src := &fakeSource{snap: plainFixture(2), stacks: map[int64][]model.Frame{}}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	src.read = true
	_, err := New(src).Ps(ctx, PsRequest{Group: "origin"})
	require.ErrorIs(t, err, ErrInterrupted)
}

func TestTreeRebuildsExitedCreatorsFromAncestorRecords(t *testing.T) {
	snap := &model.Snapshot{Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(7, 5, "main.relay")}}
	snap.Sort()
	src := &fakeSource{snap: snap, ancestorRecords: map[int64][]model.Ancestor{
		7: {
			{ID: 5, Stack: frames("main.stage", "main.stage.gowrap1")},
			{ID: 1, Stack: frames("main.main")},
		},
	}}
	d, err := New(src).Tree(bg, TreeRequest{})
	require.NoError(t, err)
	out := text(t, d)
	assert.Contains(t, out, "#5 (exited)", "the creator rebuilt from its ancestor record")
	assert.NotContains(t, out, "no record")

	src.ancestorRecords = nil // a target without tracebackancestors
	d, err = New(src).Tree(bg, TreeRequest{})
	require.NoError(t, err)
	assert.Contains(t, text(t, d), "#5 (exited, no record)")
}

func TestWhereSaysWhenTheStackIsCut(t *testing.T) {
	var deep []string
	for range 100 {
		deep = append(deep, "main.recurse")
	}
	src := &fakeSource{snap: plainFixture(1), stacks: map[int64][]model.Frame{2: frames(deep...)}}
	d, err := New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 2}, Depth: 10})
	require.NoError(t, err)
	w := d.(*WhereDoc)
	assert.True(t, w.StackCut)
	assert.Len(t, w.Frames, 10)
	assert.Contains(t, text(t, d), "stack cut at 10 frames: where -depth N shows more")
	assert.Equal(t, true, jsonOf(t, d).(map[string]any)["stack_cut"])

	d, err = New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 2}, Depth: 200})
	require.NoError(t, err)
	assert.False(t, d.(*WhereDoc).StackCut)
	assert.NotContains(t, text(t, d), "stack cut")
}
