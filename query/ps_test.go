package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

var bg = context.Background()

// text renders d as the prompt shows it.
func text(t *testing.T, d Doc) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, d.Text(&b))
	return b.String()
}

// jsonOf renders d as --json prints it, decoded generically.
func jsonOf(t *testing.T, d Doc) any {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, render.JSON(&b, d.JSON()))
	var v any
	require.NoError(t, json.Unmarshal(b.Bytes(), &v), b.String())
	return v
}

func TestPsListsFiltersAndLimits(t *testing.T) {
	src := &fakeSource{snap: plainFixture(5)}
	q := New(src)
	var stages []string
	q.Progress = func(stage string, done, total int) { stages = append(stages, stage) }

	d, err := q.Ps(bg, PsRequest{})
	require.NoError(t, err)
	ps := d.(*PsDoc)
	assert.Len(t, ps.Goroutines, 7)
	assert.Equal(t, 7, ps.Total)
	assert.Equal(t, []string{"goroutines"}, stages, "the querier passes its progress to the source")

	d, err = q.Ps(bg, PsRequest{Filter: chains.Filter{UserOnly: true}, Limit: 2})
	require.NoError(t, err)
	ps = d.(*PsDoc)
	require.Len(t, ps.Goroutines, 2)
	assert.Equal(t, 7, ps.Total, "the total counts every goroutine, not the selection")
	out := text(t, d)
	assert.True(t, strings.HasPrefix(out, "6 goroutines (of 7: -user hides 1 runtime one), showing the first 2 (-limit 2)\n"), out)
	assert.NotContains(t, out, "forcegchelper")
	arr := jsonOf(t, d).([]any)
	require.Len(t, arr, 2)
	assert.EqualValues(t, 1, arr[0].(map[string]any)["id"])

	d, err = q.Ps(bg, PsRequest{Filter: chains.Filter{Loc: regexp.MustCompile(`main\.main`)}})
	require.NoError(t, err)
	assert.Len(t, d.(*PsDoc).Goroutines, 1)
	assert.Empty(t, d.Notes())
}

func TestPsGroups(t *testing.T) {
	snap := plainFixture(4)
	for i, shard := range []string{"a", "a", "a", "b"} { // goroutines 2..5
		snap.Goroutines[i+1].Labels = map[string]string{"shard": shard}
	}
	q := New(&fakeSource{snap: snap})

	d, err := q.Ps(bg, PsRequest{Group: "creation"})
	require.NoError(t, err)
	g := d.(*GroupsDoc)
	require.NotEmpty(t, g.Groups)
	assert.Equal(t, 4, g.Groups[0].Count, "main's four workers share a creation site, largest group first")
	assert.Contains(t, text(t, d), "by creation")

	d, err = q.Ps(bg, PsRequest{Group: "label", LabelKey: "shard", Limit: 1})
	require.NoError(t, err)
	g = d.(*GroupsDoc)
	require.Len(t, g.Groups, 1, "the limit cuts groups")
	assert.Equal(t, "label shard", g.By)
	assert.Equal(t, 3, g.Groups[0].Count)
	assert.Contains(t, g.Groups[0].Key, "a")
	assert.Equal(t, []int64{2, 3, 4}, g.Groups[0].IDs)
	assert.Len(t, jsonOf(t, d).([]any), 1)
}

func TestPsRequestErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		r    PsRequest
		want string
	}{
		"negative limit":      {PsRequest{Limit: -1}, "-limit must be 0 (no limit) or more"},
		"label without key":   {PsRequest{Group: "label"}, "-group label needs a label key"},
		"unknown group":       {PsRequest{Group: "sideways"}, "sideways"},
		"cancelled and group": {PsRequest{Group: "creation", Cancelled: true}, "-cancelled and -group do not combine"},
	} {
		t.Run(name, func(t *testing.T) {
			src := &fakeSource{snap: plainFixture(1)}
			_, err := New(src).Ps(bg, tc.r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// A bad request is refused before the target is read.
	src := &fakeSource{snap: plainFixture(1)}
	_, err := New(src).Ps(bg, PsRequest{Limit: -1})
	require.Error(t, err)
	assert.Zero(t, src.snapshots)
}

func TestPsSourceErrors(t *testing.T) {
	src := &fakeSource{snap: plainFixture(1), snapErr: model.ErrExited}
	_, err := New(src).Ps(bg, PsRequest{})
	assert.ErrorIs(t, err, model.ErrExited)

	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err = New(&fakeSource{snap: plainFixture(1)}).Ps(ctx, PsRequest{})
	assert.Equal(t, ErrInterrupted, err, "a cancelled read is the one interrupted error")
}

func TestPsCancelledFromTracker(t *testing.T) {
	for _, inSnap := range []bool{true, false} {
		t.Run(fmt.Sprintf("tracker in snapshot %v", inSnap), func(t *testing.T) {
			src := trackedSource(inSnap)
			d, err := New(src).Ps(bg, PsRequest{Cancelled: true})
			require.NoError(t, err)
			s := d.(*SwallowedDoc)
			var gids []int64
			for _, sw := range s.Swallowed {
				gids = append(gids, sw.Goroutine.ID)
			}
			// Task 6 (g 12) runs under cancelled ctx 12, task 11 (g 14)
			// past its deadline, task 9 (g 13) under a cancelled (cyclic)
			// context.
			assert.ElementsMatch(t, []int64{12, 13, 14}, gids)
			assert.Zero(t, src.contextReads, "with the tracker, no frame is walked")
			if inSnap {
				assert.Zero(t, src.trackers, "the snapshot's tracker read is reused")
			} else {
				assert.Equal(t, 1, src.trackers)
			}
			assert.Contains(t, text(t, d), "inner")
			assert.Len(t, jsonOf(t, d).([]any), 3)

			// Filters and the limit apply to the swallowed ones.
			d, err = New(src).Ps(bg, PsRequest{Cancelled: true, Filter: chains.Filter{Loc: regexp.MustCompile(`main\.inner`)}})
			require.NoError(t, err)
			require.Len(t, d.(*SwallowedDoc).Swallowed, 1)
			assert.EqualValues(t, 12, d.(*SwallowedDoc).Swallowed[0].Goroutine.ID)
			d, err = New(src).Ps(bg, PsRequest{Cancelled: true, Limit: 1})
			require.NoError(t, err)
			assert.Len(t, d.(*SwallowedDoc).Swallowed, 1)
		})
	}
	src := trackedSource(false)
	src.trackerErr = errBoom
	_, err := New(src).Ps(bg, PsRequest{Cancelled: true})
	assert.ErrorIs(t, err, errBoom)
}

// TestPsCancelledHeaderCountsWhatWasFound: the header counts every
// swallowed cancellation found, not the rows -limit leaves (it said "1
// goroutine still running" under -limit 1 with three found), and says
// among which goroutines the filters had it look.
func TestPsCancelledHeaderCountsWhatWasFound(t *testing.T) {
	header := func(r PsRequest) string {
		t.Helper()
		r.Cancelled = true
		d, err := New(trackedSource(true)).Ps(bg, r)
		require.NoError(t, err)
		first, _, _ := strings.Cut(text(t, d), "\n")
		return first
	}
	total := len(trackedSource(true).snap.Goroutines)
	assert.Equal(t, "3 goroutines still running after their contexts were cancelled (swallowed cancellations)", header(PsRequest{}))
	assert.Equal(t, "3 goroutines still running after their contexts were cancelled (swallowed cancellations), showing the first 1 (-limit 1)",
		header(PsRequest{Limit: 1}))
	assert.Equal(t, fmt.Sprintf("1 goroutine still running after its context was cancelled (swallowed cancellations) among 1 goroutine (of %d: -loc hides %d)", total, total-1),
		header(PsRequest{Filter: chains.Filter{Loc: regexp.MustCompile(`main\.inner`)}}))
}

func TestPsCancelledFromContexts(t *testing.T) {
	src := &fakeSource{snap: plainFixture(3), contexts: map[int64][]model.ContextChain{3: cancelledContexts()},
		contextsErr: map[int64]error{4: errBoom}}
	d, err := New(src).Ps(bg, PsRequest{Cancelled: true})
	require.NoError(t, err)
	s := d.(*SwallowedDoc)
	require.Len(t, s.Swallowed, 1, "an unreadable goroutine (4) is no evidence either way")
	assert.EqualValues(t, 3, s.Swallowed[0].Goroutine.ID)
	assert.Equal(t, "context canceled", s.Swallowed[0].Err)
	assert.Nil(t, s.Tracker)
	assert.Equal(t, 4, src.contextReads, "user goroutines only: main and three workers, not the runtime's")
	assert.Empty(t, d.Notes())

	// Nothing swallowed: an empty list, not null.
	src = &fakeSource{snap: plainFixture(2)}
	d, err = New(src).Ps(bg, PsRequest{Cancelled: true})
	require.NoError(t, err)
	assert.Equal(t, []any{}, jsonOf(t, d))
}

// TestPsCancelledUnknownNote: the partial-answer note counts in words
// that agree ("for 1 goroutine … its contexts", it said "for 1
// goroutines").
func TestPsCancelledUnknownNote(t *testing.T) {
	cut := []model.ContextChain{{Frame: 1, Function: "main.worker", Variable: "ctx", Incomplete: "cut after 1000 contexts"}}
	for n, want := range map[int]string{
		1: "partial answer: for 1 goroutine it is not known whether its contexts are cancelled (goroutine 2: cut after 1000 contexts)",
		2: "partial answer: for 2 goroutines it is not known whether their contexts are cancelled (first: goroutine 2: cut after 1000 contexts)",
	} {
		src := &fakeSource{snap: plainFixture(3), contexts: map[int64][]model.ContextChain{}}
		for i := 0; i < n; i++ {
			src.contexts[int64(2+i)] = cut
		}
		d, err := New(src).Ps(bg, PsRequest{Cancelled: true})
		require.NoError(t, err)
		assert.Equal(t, []string{want}, d.Notes())
	}
}

func TestPsCancelledScanIsBounded(t *testing.T) {
	src := &fakeSource{snap: plainFixture(maxContextScan + 10)}
	d, err := New(src).Ps(bg, PsRequest{Cancelled: true})
	require.NoError(t, err)
	assert.Equal(t, maxContextScan, src.contextReads)
	require.Len(t, d.Notes(), 1)
	assert.Contains(t, d.Notes()[0], fmt.Sprintf("first %d goroutines only", maxContextScan))
}

func TestPsCancelledInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	src := &fakeSource{snap: plainFixture(50)}
	src.onContexts = func() {
		if src.contextReads == 5 {
			cancel()
		}
	}
	_, err := New(src).Ps(ctx, PsRequest{Cancelled: true})
	assert.Equal(t, ErrInterrupted, err)
	assert.Equal(t, 5, src.contextReads, "the walk stops at the first goroutine after Ctrl-C")
}

func TestInterrupted(t *testing.T) {
	assert.Nil(t, Interrupted(nil))
	assert.Equal(t, ErrInterrupted, Interrupted(fmt.Errorf("read: %w", context.Canceled)))
	assert.Equal(t, errBoom, Interrupted(errBoom))
	assert.True(t, errors.Is(Interrupted(context.Canceled), ErrInterrupted))
	assert.False(t, strings.Contains(ErrInterrupted.Error(), "context"))
}

// TestPsHeaderCountsTheSelection: the header counts what the filters
// selected, not the whole snapshot (it said "32 goroutines (showing 32)"
// under -user), and says how many each filter left out — each goroutine
// under the first filter, in flag order, that rejects it — and what the
// limit cut.
func TestPsHeaderCountsTheSelection(t *testing.T) {
	snap := plainFixture(6) // main, 6 workers (2..7), forcegchelper (90)
	snap.Goroutines[1].Labels = map[string]string{"queue": "a"}
	snap.Goroutines[2].Labels = map[string]string{"queue": "a"}
	snap.Goroutines[3].Labels = map[string]string{"queue": "b"}
	snap.Goroutines[2].Status, snap.Goroutines[2].WaitReason = "running", ""
	q := New(&fakeSource{snap: snap})
	header := func(r PsRequest) string {
		t.Helper()
		d, err := q.Ps(bg, r)
		require.NoError(t, err)
		first, _, _ := strings.Cut(text(t, d), "\n")
		return first
	}
	assert.Equal(t, "8 goroutines", header(PsRequest{}))
	assert.Equal(t, "8 goroutines, showing the first 3 (-limit 3)", header(PsRequest{Limit: 3}))
	assert.Equal(t, "8 goroutines", header(PsRequest{Limit: 8}), "a limit that cuts nothing is not mentioned")
	assert.Equal(t, "7 goroutines (of 8: -user hides 1 runtime one)", header(PsRequest{Filter: chains.Filter{UserOnly: true}}))
	assert.Equal(t, "2 goroutines (of 8: -user hides 1 runtime one, -with hides 5 more)",
		header(PsRequest{Filter: chains.Filter{UserOnly: true, Labels: []chains.LabelMatch{chains.ParseLabelMatch("queue=a")}}}))
	assert.Equal(t, "1 goroutine (of 8: -user hides 1 runtime one, -with hides 5 more, -state hides 1 more)",
		header(PsRequest{Filter: chains.Filter{UserOnly: true, Labels: []chains.LabelMatch{chains.ParseLabelMatch("queue=a")}, States: []string{"running"}}}))
	assert.Equal(t, "0 goroutines (of 8: -loc hides 8)", header(PsRequest{Filter: chains.Filter{Loc: regexp.MustCompile(`nowhere`)}}))
	assert.Equal(t, "7 goroutines (of 8: -state hides 1), showing the first 2 (-limit 2)",
		header(PsRequest{Filter: chains.Filter{States: []string{"chan receive"}}, Limit: 2}))

	snap.Goroutines[4].Waited = 2 * time.Minute
	snap.Goroutines[5].Waited = time.Second
	assert.Equal(t, "1 goroutine (of 8: -min-wait hides 7, 6 of them with no known wait yet)",
		header(PsRequest{Filter: chains.Filter{MinWait: time.Minute}}), "a wait is known only once a GC has seen the goroutine blocked")

	assert.Equal(t, "2 groups of 8 goroutines by creation", header(PsRequest{Group: "creation"}))
	assert.Equal(t, "2 groups of 8 goroutines by creation, showing the largest 1 (-limit 1)", header(PsRequest{Group: "creation", Limit: 1}))
	assert.Equal(t, "2 groups of 3 goroutines by label queue (of 8: -with hides 5)",
		header(PsRequest{Group: "label", LabelKey: "queue", Filter: chains.Filter{Labels: []chains.LabelMatch{chains.ParseLabelMatch("queue")}}}))
	assert.Equal(t, "2 groups of 7 goroutines by creation (of 8: -user hides 1 runtime one), showing the largest 1 (-limit 1)",
		header(PsRequest{Group: "creation", Limit: 1, Filter: chains.Filter{UserOnly: true}}))
}

// TestSelectionCountsAddUp: on any mix of filters the hidden counts add up
// to what the filters left out.
func TestSelectionCountsAddUp(t *testing.T) {
	snap := plainFixture(20)
	for i := range snap.Goroutines {
		g := &snap.Goroutines[i]
		g.Labels = map[string]string{"k": fmt.Sprint(i % 3)}
		if i%4 == 0 {
			g.Status, g.WaitReason = "running", ""
		}
	}
	for _, f := range []chains.Filter{
		{UserOnly: true, States: []string{"running"}},
		{Labels: []chains.LabelMatch{chains.ParseLabelMatch("k=1")}, States: []string{"chan receive"}, Loc: regexp.MustCompile("worker")},
		{UserOnly: true, Labels: []chains.LabelMatch{chains.ParseLabelMatch("k=2")}, MinWait: 1},
	} {
		selected, sel := SelectCounted(snap.Goroutines, f)
		hidden := 0
		for _, h := range sel.Hidden {
			assert.Positive(t, h.Count)
			hidden += h.Count
		}
		assert.Equal(t, len(snap.Goroutines), sel.Total)
		assert.Equal(t, len(selected), sel.Selected)
		assert.Equal(t, sel.Total-sel.Selected, hidden, "%+v", sel)
	}
}
