package query

import (
	"errors"
	"github.com/dlv-tasks/dlv-tasks/model"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every query that relies on the tracker leaves one note about the read it
// used; a complete read leaves none, and the note is taken once.
func TestTrackerNoteAfterQueries(t *testing.T) {
	tr, snap := trackerFixture()
	tr.Skipped = map[string]int{"mid-write": 2}
	snap.Tracker = tr
	q := New(&fakeSource{snap: snap, tracker: tr})
	_, err := q.Ps(bg, PsRequest{})
	require.NoError(t, err)
	note := q.TrackerNote()
	assert.Contains(t, note, "2 mid-write")
	assert.Empty(t, q.TrackerNote(), "the note is about the reads since the last call")

	tr.Skipped = nil
	_, err = q.PsTerminated(bg, PsTerminatedRequest{})
	require.NoError(t, err)
	assert.Empty(t, q.TrackerNote(), "a complete read leaves no note")

	plain := New(&fakeSource{snap: plainFixture(2)})
	_, err = plain.Ps(bg, PsRequest{})
	require.NoError(t, err)
	assert.Empty(t, plain.TrackerNote(), "no tracker, no note")
}

// An unreadable tracker leaves the goroutine tree to the runtime's view,
// and the note says why.
func TestUnreadableTrackerFallsBackToRuntimeView(t *testing.T) {
	_, snap := trackerFixture()
	snap.Tracker = nil
	bad := errors.New("tracker root: magic 0x1234 is not the tracker's")
	q := New(&fakeSource{snap: snap, trackerErr: bad, snapTrackerErr: bad})
	d, err := q.Tree(bg, TreeRequest{})
	require.NoError(t, err, "pstree fails on a corrupt tracker instead of printing the goroutine tree")
	assert.Contains(t, text(t, d), "#1 ")
	assert.Contains(t, q.TrackerNote(), "tracker unreadable (tracker root: magic 0x1234")
}

// -limit cuts rows, not columns: the TASK and GROUP columns of the whole
// selection stay when the rows shown have no task.
func TestPsLimitKeepsTaskColumns(t *testing.T) {
	_, snap := trackerFixture()
	withTask := -1
	for i, g := range snap.Goroutines {
		if g.Task != nil {
			withTask = i
			break
		}
	}
	require.Positive(t, withTask, "the fixture's first goroutine must not run a task")
	d, err := New(&fakeSource{snap: snap}).Ps(bg, PsRequest{Limit: 1})
	require.NoError(t, err)
	require.Nil(t, d.(*PsDoc).Goroutines[0].Task)
	assert.Contains(t, text(t, d), "TASK")
	assert.Contains(t, text(t, d), "GROUP")
}

// On a core the clock is the latest reading the runtime left: a table that
// shows a bound (≥) names it.
func TestPsNamesABoundClock(t *testing.T) {
	snap := plainFixture(2)
	snap.Goroutines[1].Waited, snap.Goroutines[1].WaitedAtLeast = 65e9, true
	snap.Clock = model.Clock{Now: 5e9, Source: "runtime.sched.lastpoll", LowerBound: true}
	d, err := New(&fakeSource{snap: snap}).Ps(bg, PsRequest{})
	require.NoError(t, err)
	out := text(t, d)
	assert.Contains(t, out, "≥1m5s")
	assert.Contains(t, out, "≥: waits measured to the latest clock reading the target holds (runtime.sched.lastpoll)")

	snap.Goroutines[1].WaitedAtLeast = false
	d, err = New(&fakeSource{snap: snap}).Ps(bg, PsRequest{})
	require.NoError(t, err)
	assert.NotContains(t, text(t, d), "≥", "no bound shown: nothing to explain")
}
