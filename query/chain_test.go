package query

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// ancestorSource answers Ancestors from its ancestorRecords (ids without
// records have none) and counts the calls.
type ancestorSource struct {
	*fakeSource
	off   bool
	calls []int64
}

func (a *ancestorSource) Ancestors(id int64, n, depth int) ([]model.Ancestor, bool, error) {
	a.calls = append(a.calls, id)
	if a.off {
		return nil, false, nil
	}
	return a.ancestorRecords[id], true, nil
}

// holesFixture: main (1) created 5; 5 created 6, which exited and whose
// record survives, and which created 7; 8 was created by 5 and exited
// without a record, after creating 9 and 10. Only 9 keeps
// tracebackancestors records (8, then 5).
func holesFixture() *ancestorSource {
	snap := &model.Snapshot{Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(5, 1, "main.stage"), gr(7, 6, "main.leaf"),
		gr(9, 8, "main.worker"), gr(10, 8, "main.worker")},
		Exited: []model.ExitedGoroutine{{ID: 6, ParentID: 5, Start: model.Location{Function: "main.relay"},
			GoStatement: model.Location{Function: "main.stage", File: "/src/app/main.go", Line: 40}}}}
	snap.Sort()
	goexit := model.Frame{Location: model.Location{Function: "runtime.goexit"}}
	records := map[int64][]model.Ancestor{9: {
		{ID: 8, Stack: append(frames("main.relay2"), goexit)},
		{ID: 5, Stack: append(frames("main.stage"), goexit)},
	}}
	stacks := map[int64][]model.Frame{}
	for _, g := range snap.Goroutines {
		stacks[g.ID] = frames("runtime.gopark", g.Location.Function)
	}
	return &ancestorSource{fakeSource: &fakeSource{snap: snap, stacks: stacks, ancestorRecords: records}}
}

func TestCreationChainsEqualWhere(t *testing.T) {
	src := holesFixture()
	d, err := New(src).CreationChains(bg, ChainsRequest{})
	require.NoError(t, err)
	require.Equal(t, []int64{1, 5, 7, 9, 10}, d.IDs)
	assert.Equal(t, []int64{9, 10}, src.calls, "records are read only where a chain meets an unrecorded creator")
	assert.Equal(t, 2, d.AncestorReads)
	assert.Empty(t, d.Notes())
	for _, id := range d.IDs {
		w, err := New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: id}})
		require.NoError(t, err)
		got, ok := d.Chain(id)
		require.True(t, ok)
		require.Equal(t, w.(*WhereDoc).Chain, got, "goroutine %d", id)
	}
	// The chains themselves, against the fixture's story.
	parents := func(id int64) []int64 {
		c, _ := d.Chain(id)
		var out []int64
		for _, l := range c {
			out = append(out, l.ParentID)
		}
		return out
	}
	assert.Empty(t, parents(1))
	assert.Equal(t, []int64{6, 5, 1}, parents(7), "through the exited creator's record")
	assert.Equal(t, []int64{8, 5, 1}, parents(9), "through 9's own ancestor records")
	assert.Equal(t, []int64{8}, parents(10), "10 keeps no records: its chain stops at 8")
	c9, _ := d.Chain(9)
	assert.True(t, c9[0].FromAncestors)
	assert.NotNil(t, c9[0].ParentExited)
	assert.NotNil(t, c9[1].Parent)
	_, ok := d.Chain(6)
	assert.False(t, ok, "exited goroutines are not rows")
	assert.Contains(t, text(t, d), "goroutine 9: ← 8 (exited) at main.spawn app/main.go:10 ← 5 (chan receive) at main.stage app/main.go:10")
}

func TestCreationChainsBoundsAncestorReads(t *testing.T) {
	src := holesFixture()
	d, err := New(src).CreationChains(bg, ChainsRequest{MaxAncestorReads: 1})
	require.NoError(t, err)
	assert.Equal(t, []int64{9}, src.calls)
	assert.Equal(t, []string{"the tracebackancestors records of 1 goroutines only were read: 1 more creation chains stop at a creator without a record"}, d.Notes())

	src = holesFixture()
	src.off = true
	d, err = New(src).CreationChains(bg, ChainsRequest{})
	require.NoError(t, err)
	assert.Equal(t, []int64{9}, src.calls, "a target that keeps no records is asked once")
	c9, _ := d.Chain(9)
	assert.Len(t, c9, 1)

	// Past the links bound, the rest is left out and said so: 1 (none),
	// 5 (1), 7 (3) fit in 4 links.
	src = holesFixture()
	d, err = New(src).CreationChains(bg, ChainsRequest{MaxLinks: 4})
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 5, 7}, d.IDs)
	assert.Equal(t, 2, d.Omitted)
	_, ok := d.Chain(9)
	assert.False(t, ok)
	assert.Contains(t, d.Notes(), "the creation chains of 2 goroutines are left out: the chains hold more than 4 links together")

	src = holesFixture()
	src.fakeSource.snapErr = errBoom
	_, err = New(src).CreationChains(bg, ChainsRequest{})
	assert.ErrorIs(t, err, errBoom)
}
