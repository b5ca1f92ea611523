package query

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestPsTerminatedReadsOnlyTheHistory(t *testing.T) {
	src := trackedSource(true)
	d, err := New(src).PsTerminated(bg, PsTerminatedRequest{})
	require.NoError(t, err)
	p := d.(*PsTerminatedDoc)
	assert.Len(t, p.Ended, 5)
	assert.Empty(t, p.Tracker.Live, "the live arena is not read")
	assert.Equal(t, 1, src.histories)
	assert.Zero(t, src.trackers+src.snapshots, "nor the goroutines")
	assert.Contains(t, text(t, d), "watch: connection reset")
	assert.Contains(t, jsonOf(t, d).(map[string]any), "terminated")

	outcomes, err := chains.ParseOutcomes("failed")
	require.NoError(t, err)
	d, err = New(src).PsTerminated(bg, PsTerminatedRequest{Filter: chains.TerminatedFilter{Outcomes: outcomes, Name: regexp.MustCompile("^f")}})
	require.NoError(t, err)
	require.Len(t, d.(*PsTerminatedDoc).Ended, 1)
	assert.Equal(t, "fails", d.(*PsTerminatedDoc).Ended[0].Task.Name)
}

// TestPsTerminatedHeaderCountsTheSelection: the header counts the records
// the filters selected (it said "5 terminated tasks (showing 1)") and says
// what each filter and the limit left out.
func TestPsTerminatedHeaderCountsTheSelection(t *testing.T) {
	header := func(f chains.TerminatedFilter) string {
		t.Helper()
		d, err := New(trackedSource(true)).PsTerminated(bg, PsTerminatedRequest{Filter: f})
		require.NoError(t, err)
		first, _, _ := strings.Cut(text(t, d), "\n")
		first, _, _ = strings.Cut(first, "; newest tracker record")
		return first
	}
	failed, err := chains.ParseOutcomes("failed")
	require.NoError(t, err)
	assert.Equal(t, "5 terminated tasks, newest first", header(chains.TerminatedFilter{}))
	assert.Equal(t, "5 terminated tasks, showing the newest 2 (-limit 2)", header(chains.TerminatedFilter{Limit: 2}))
	assert.Equal(t, "1 terminated task (of 5: -name hides 2, -outcome hides 2 more), newest first",
		header(chains.TerminatedFilter{Outcomes: failed, Name: regexp.MustCompile("^(f|s)")}))
	assert.Equal(t, "0 terminated tasks (of 5: -group hides 5), newest first", header(chains.TerminatedFilter{Group: "nosuch"}))
}

func TestPsTerminatedRuntimeRecords(t *testing.T) {
	// Without the tracker, and with Runtime, the runtime's exited records.
	snap := plainFixture(1)
	snap.Exited = []model.ExitedGoroutine{{ID: 40, ParentID: 1}, {ID: 41, ParentID: 1}, {ID: 42, ParentID: 40}}
	src := &fakeSource{snap: snap}
	d, err := New(src).PsTerminated(bg, PsTerminatedRequest{Limit: 2})
	require.NoError(t, err)
	e := d.(*ExitedDoc)
	assert.Len(t, e.Exited, 2)
	assert.Equal(t, 3, e.Total)
	assert.False(t, e.Tracker)
	assert.Contains(t, text(t, d), "The target does not use the tracker: no record of how tasks ended.")
	assert.Contains(t, jsonOf(t, d).(map[string]any), "exited")

	tracked := trackedSource(true)
	d, err = New(tracked).PsTerminated(bg, PsTerminatedRequest{Runtime: true})
	require.NoError(t, err)
	e = d.(*ExitedDoc)
	assert.True(t, e.Tracker)
	assert.NotContains(t, text(t, d), "does not use the tracker")
	assert.Zero(t, tracked.histories, "-runtime does not read the tracker")
}

func TestPsTerminatedErrors(t *testing.T) {
	src := trackedSource(true)
	_, err := New(src).PsTerminated(bg, PsTerminatedRequest{Limit: -1})
	assert.EqualError(t, err, "-limit must be 0 (no limit) or more")
	src.trackerErr = errBoom
	_, err = New(src).PsTerminated(bg, PsTerminatedRequest{})
	assert.ErrorIs(t, err, errBoom)
	plain := &fakeSource{snap: plainFixture(1), snapErr: model.ErrExited}
	_, err = New(plain).PsTerminated(bg, PsTerminatedRequest{})
	assert.ErrorIs(t, err, model.ErrExited)
}

// where-terminated answers from the history alone when the chains stay in
// it, and reads the live arena only when they reach a live task.
func TestWhereTerminatedTwoPass(t *testing.T) {
	// Task 4 (spawner): no parent, no context — the history answers.
	src := trackedSource(true)
	d, err := New(src).WhereTerminated(bg, chains.ID{Task: 4})
	require.NoError(t, err)
	w := d.(*WhereTerminatedDoc)
	assert.Equal(t, model.OutcomeGoexit, w.Ended.Outcome)
	assert.Nil(t, w.Hops, "no cancellation: no hops, not an empty list")
	assert.Equal(t, 1, src.histories)
	assert.Zero(t, src.trackers+src.snapshots)

	// Task 7 (inner2): its parent, task 1, is live, and its context was
	// cancelled by ended task 5 — a second, full read names the parent.
	src = trackedSource(true)
	d, err = New(src).WhereTerminated(bg, chains.ID{Task: 7})
	require.NoError(t, err)
	w = d.(*WhereTerminatedDoc)
	assert.Equal(t, 1, src.histories)
	assert.Equal(t, 1, src.trackers)
	assert.Zero(t, src.snapshots, "the goroutines are never read for this")
	require.NotEmpty(t, w.Chain)
	for _, a := range w.Chain {
		assert.True(t, a.Known, "every ancestor found after the full read")
	}
	require.NotEmpty(t, w.Hops)
	assert.EqualValues(t, 5, w.Hops[len(w.Hops)-1].CancellerTask, "the origin is task 5's cancel")
	out := text(t, d)
	assert.Contains(t, out, "inner2")
	assert.Contains(t, out, "maintenance window")
	doc := jsonOf(t, d).(map[string]any)
	assert.Contains(t, doc, "termination")

	// By the goroutine that ran it.
	d, err = New(trackedSource(true)).WhereTerminated(bg, chains.ID{Goroutine: 21})
	require.NoError(t, err)
	assert.EqualValues(t, 4, d.(*WhereTerminatedDoc).Ended.Task.ID)
}

func TestWhereTerminatedErrors(t *testing.T) {
	// A live task is not in the history: the full read finds it running.
	src := trackedSource(true)
	_, err := New(src).WhereTerminated(bg, chains.ID{Task: 6})
	assert.EqualError(t, err, "task t:6 inner is still running (try where 12 or cancel-chain t:6)")
	assert.Equal(t, 1, src.trackers, "not found in the history: one full read")

	_, err = New(trackedSource(true)).WhereTerminated(bg, chains.ID{Task: 99})
	var unknown *chains.UnknownTaskError
	assert.ErrorAs(t, err, &unknown)

	_, err = New(&fakeSource{snap: plainFixture(1)}).WhereTerminated(bg, chains.ID{Task: 1})
	assert.ErrorIs(t, err, chains.ErrNoTracker)

	src = trackedSource(true)
	src.trackerErr = errBoom
	_, err = New(src).WhereTerminated(bg, chains.ID{Task: 4})
	assert.ErrorIs(t, err, errBoom)
}

func TestEndedChainsComplete(t *testing.T) {
	assert.True(t, endedChains{}.complete())
	assert.False(t, endedChains{chain: []chains.TaskAncestor{{Known: true}, {}}}.complete())
	assert.False(t, endedChains{hops: []chains.CancelHop{{CancellerTask: 3}}}.complete())
	assert.True(t, endedChains{hops: []chains.CancelHop{{CancellerTask: 3, CancellerKnown: true}, {}}}.complete(),
		"a hop without a canceller task (a parent's cancel) needs no task")
}
