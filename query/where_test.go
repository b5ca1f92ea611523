package query

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestWhereLiveGoroutine(t *testing.T) {
	src := trackedSource(true)
	d, err := New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 12}, Depth: 2})
	require.NoError(t, err)
	w := d.(*WhereDoc)
	require.NotNil(t, w.Goroutine)
	assert.EqualValues(t, 12, w.Goroutine.ID)
	assert.Len(t, w.Frames, 2, "the depth reaches the source")
	require.NotEmpty(t, w.Chain)
	assert.EqualValues(t, 1, w.Chain[len(w.Chain)-1].ParentID, "the creation chain ends at main's goroutine")
	assert.Len(t, w.Ancestors, 1)
	assert.Empty(t, d.Notes())
	assert.Zero(t, src.trackers, "a goroutine id needs no tracker read")
	out := text(t, d)
	assert.Contains(t, out, "main.inner")
	assert.NotContains(t, out, "has exited")
	doc := jsonOf(t, d).(map[string]any)
	assert.NotNil(t, doc["goroutine"])
}

func TestWhereAncestorsErrorIsANote(t *testing.T) {
	src := trackedSource(true)
	src.ancestorsErr = errBoom
	d, err := New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 1}})
	require.NoError(t, err)
	assert.Equal(t, []string{"boom"}, d.Notes())

	src.ancestorsErr = model.ErrExited
	d, err = New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 1}})
	require.NoError(t, err)
	assert.Empty(t, d.Notes(), "an exited target is not worth a note")
}

func TestWhereExitedGoroutine(t *testing.T) {
	src := trackedSource(true)
	d, err := New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 30}})
	require.NoError(t, err)
	w := d.(*WhereDoc)
	assert.Nil(t, w.Goroutine)
	assert.Empty(t, w.Frames, "no stack is read for an exited goroutine")
	assert.Contains(t, text(t, d), "goroutine 30 has exited; its runtime record survives")
}

func TestWhereErrors(t *testing.T) {
	src := trackedSource(true)
	_, err := New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 424242}})
	assert.ErrorIs(t, err, model.ErrUnknownGoroutine)
	assert.EqualError(t, err, "goroutine 424242: unknown goroutine")

	delete(src.stacks, 12)
	_, err = New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 12}})
	assert.ErrorIs(t, err, model.ErrUnknownGoroutine, "a stack read error is returned")

	src.snapErr = errBoom
	_, err = New(src).Where(bg, WhereRequest{ID: chains.ID{Goroutine: 1}})
	assert.ErrorIs(t, err, errBoom)
}

// A live task's id is its goroutine's, everywhere an id is taken.
func TestWhereTaskID(t *testing.T) {
	src := trackedSource(false)
	d, err := New(src).Where(bg, WhereRequest{ID: chains.ID{Task: 6}})
	require.NoError(t, err)
	assert.EqualValues(t, 12, d.(*WhereDoc).Goroutine.ID)

	_, err = New(src).Where(bg, WhereRequest{ID: chains.ID{Task: 7}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has already ended (cancelled)")
	assert.Contains(t, err.Error(), "where-terminated t:7", "an ended task points to where-terminated")

	_, err = New(src).Where(bg, WhereRequest{ID: chains.ID{Task: 999}})
	var unknown *chains.UnknownTaskError
	assert.ErrorAs(t, err, &unknown)

	_, err = New(&fakeSource{snap: plainFixture(1)}).Where(bg, WhereRequest{ID: chains.ID{Task: 1}})
	assert.ErrorIs(t, err, chains.ErrNoTracker)
}

func TestLiveGoroutine(t *testing.T) {
	src := trackedSource(true)
	q := New(src)
	gid, task, err := q.LiveGoroutine(bg, chains.ID{Goroutine: 11})
	require.NoError(t, err)
	assert.EqualValues(t, 11, gid)
	require.NotNil(t, task)
	assert.Equal(t, "poller", task.Name)

	gid, task, err = q.LiveGoroutine(bg, chains.ID{Goroutine: 1})
	require.NoError(t, err)
	assert.EqualValues(t, 1, gid)
	assert.Nil(t, task, "main runs no task")

	_, _, err = q.LiveGoroutine(bg, chains.ID{Goroutine: 30})
	assert.ErrorIs(t, err, model.ErrUnknownGoroutine, "an exited goroutine is not live")

	gid, task, err = q.LiveGoroutine(bg, chains.ID{Task: 2})
	require.NoError(t, err)
	assert.EqualValues(t, 11, gid)
	assert.EqualValues(t, 2, task.ID)

	// A task whose goroutine the snapshot lacks: the tracker's record of
	// it answers; a task the tracker never saw run has none.
	src.snap.Goroutines = src.snap.Goroutines[:1] // main only
	src.tracker.Live = append(src.tracker.Live, model.Task{ID: 20, Name: "unborn"})
	gid, _, err = q.LiveGoroutine(bg, chains.ID{Task: 2})
	require.NoError(t, err)
	assert.EqualValues(t, 11, gid)
	_, _, err = q.LiveGoroutine(bg, chains.ID{Task: 20})
	assert.ErrorContains(t, err, "has no goroutine yet")

	// Without the tracker a goroutine is just itself.
	plain := &fakeSource{snap: plainFixture(1)}
	gid, task, err = New(plain).LiveGoroutine(bg, chains.ID{Goroutine: 2})
	require.NoError(t, err)
	assert.EqualValues(t, 2, gid)
	assert.Nil(t, task)
	assert.Equal(t, 1, plain.trackers)

	plain.trackerErr = errBoom
	_, _, err = New(plain).LiveGoroutine(bg, chains.ID{Goroutine: 2})
	assert.ErrorIs(t, err, errBoom)
	plain.snapErr = errBoom
	_, _, err = New(plain).LiveGoroutine(bg, chains.ID{Goroutine: 2})
	assert.ErrorIs(t, err, errBoom)
}

func TestRequireTracker(t *testing.T) {
	assert.NoError(t, New(trackedSource(true)).RequireTracker(bg))
	assert.ErrorIs(t, New(&fakeSource{snap: plainFixture(1)}).RequireTracker(bg), chains.ErrNoTracker)
	src := trackedSource(true)
	src.trackerErr = errBoom
	assert.ErrorIs(t, New(src).RequireTracker(bg), errBoom)
}
