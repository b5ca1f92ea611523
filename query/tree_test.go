package query

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
)

func TestTreeModes(t *testing.T) {
	src := trackedSource(true)
	q := New(src)

	// With the tracker: tasks first, then goroutines.
	d, err := q.Tree(bg, TreeRequest{})
	require.NoError(t, err)
	tr := d.(*TreeDoc)
	require.NotNil(t, tr.Tasks)
	require.NotNil(t, tr.Goroutines)
	out := text(t, d)
	ti, gi := strings.Index(out, "Tasks:"), strings.Index(out, "\nGoroutines:")
	require.True(t, ti == 0 && gi > 0, out)
	assert.Contains(t, out[:gi], "server")

	// --json: one document, the goroutine tree.
	d, err = q.Tree(bg, TreeRequest{JSON: true})
	require.NoError(t, err)
	assert.Nil(t, d.(*TreeDoc).Tasks)
	_, isArray := jsonOf(t, d).([]any)
	assert.True(t, isArray, "the goroutine tree's document is an array of roots")

	// -tasks: the task forest only, in text and JSON.
	for _, asJSON := range []bool{false, true} {
		d, err = q.Tree(bg, TreeRequest{OnlyTasks: true, JSON: asJSON})
		require.NoError(t, err)
		assert.Nil(t, d.(*TreeDoc).Goroutines)
		if asJSON {
			assert.Contains(t, jsonOf(t, d).(map[string]any), "groups")
		} else {
			assert.NotContains(t, text(t, d), "Goroutines:")
		}
	}

	// -goroutines: no task tree.
	d, err = q.Tree(bg, TreeRequest{OnlyGoroutines: true})
	require.NoError(t, err)
	assert.Nil(t, d.(*TreeDoc).Tasks)
	assert.NotContains(t, text(t, d), "Tasks:")
}

func TestTreeWithoutTracker(t *testing.T) {
	q := New(&fakeSource{snap: plainFixture(6)})
	d, err := q.Tree(bg, TreeRequest{})
	require.NoError(t, err)
	tr := d.(*TreeDoc)
	assert.Nil(t, tr.Tasks, "no tracker, no task tree")
	// Identical workers collapse into one node with a count, unless -full.
	require.NotEmpty(t, tr.Goroutines)
	collapsed := countNodes(tr.Goroutines)
	d, err = q.Tree(bg, TreeRequest{Full: true})
	require.NoError(t, err)
	assert.Greater(t, countNodes(d.(*TreeDoc).Goroutines), collapsed)

	_, err = q.Tree(bg, TreeRequest{OnlyTasks: true})
	assert.ErrorIs(t, err, chains.ErrNoTracker)
	_, err = q.Tree(bg, TreeRequest{ID: chains.ID{Task: 1}})
	assert.ErrorIs(t, err, chains.ErrNoTracker)
}

func countNodes(ns []*chains.Node) int {
	n := 0
	for _, c := range ns {
		n += 1 + countNodes(c.Children)
	}
	return n
}

func TestTreeBelowAnID(t *testing.T) {
	q := New(trackedSource(true))
	d, err := q.Tree(bg, TreeRequest{ID: chains.ID{Goroutine: 1}})
	require.NoError(t, err)
	tr := d.(*TreeDoc)
	assert.Nil(t, tr.Tasks, "a goroutine id shows the goroutine subtree")
	require.Len(t, tr.Goroutines, 1)
	assert.EqualValues(t, 1, tr.Goroutines[0].ID)

	d, err = q.Tree(bg, TreeRequest{ID: chains.ID{Task: 1}})
	require.NoError(t, err)
	tr = d.(*TreeDoc)
	require.NotNil(t, tr.Tasks)
	require.Len(t, tr.Tasks.Tasks, 1)
	assert.Nil(t, tr.Goroutines)
	out := text(t, d)
	assert.Contains(t, out, "server")
	assert.NotContains(t, out, "looper", "only task 1's subtree")

	_, err = q.Tree(bg, TreeRequest{ID: chains.ID{Task: 3}})
	assert.ErrorContains(t, err, "task 3 has ended and has no running descendants (try where-terminated t:3)")
	_, err = q.Tree(bg, TreeRequest{ID: chains.ID{Task: 99}})
	var unknown *chains.UnknownTaskError
	assert.ErrorAs(t, err, &unknown)
	_, err = q.Tree(bg, TreeRequest{ID: chains.ID{Goroutine: 424242}})
	assert.EqualError(t, err, "unknown goroutine 424242")
}

func TestTreeRequestErrors(t *testing.T) {
	src := trackedSource(true)
	q := New(src)
	for r, want := range map[*TreeRequest]string{
		{OnlyTasks: true, OnlyGoroutines: true}:         "-tasks and -goroutines do not combine",
		{OnlyGoroutines: true, ID: chains.ID{Task: 2}}:  "-goroutines takes a goroutine id, not t:2",
		{OnlyTasks: true, ID: chains.ID{Goroutine: 12}}: "-tasks takes a task id t:N, not 12",
	} {
		_, err := q.Tree(bg, *r)
		assert.EqualError(t, err, want)
	}
	assert.Zero(t, src.snapshots, "a bad request is refused before the target is read")
	src.snapErr = errBoom
	_, err := q.Tree(bg, TreeRequest{})
	assert.ErrorIs(t, err, errBoom)
}
