package query

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// coreClockSource is a source that knows when its snapshot was taken.
type coreClockSource struct {
	*fakeSource
	at time.Time
}

func (c coreClockSource) SnapshotTime() (time.Time, bool) { return c.at, true }

func TestKeepListAndDiff(t *testing.T) {
	f := &fakeSource{snap: growthSnapshot(0)}
	q := New(f)
	ctx := context.Background()

	_, err := q.Diff(ctx, DiffRequest{})
	assert.EqualError(t, err, "no snapshot kept yet: keep one with snapshot, let the target run, then diff")

	d, err := q.Keep(ctx, "")
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, d.Text(&b))
	assert.Contains(t, b.String(), "kept snapshot 1: 11 goroutines at ")
	assert.Equal(t, "1", d.JSON().(chains.SampleInfo).Name)

	// Same stop: diff says both sides are one snapshot.
	d, err = q.Diff(ctx, DiffRequest{})
	require.NoError(t, err)
	assert.Contains(t, d.Notes()[0], "the target has not run since 1 was kept")

	// The target ran: a new snapshot.
	f.snap = growthSnapshot(4)
	_, err = q.Keep(ctx, "after")
	require.NoError(t, err)
	f.snap = growthSnapshot(6)
	d, err = q.Keep(ctx, "after")
	require.NoError(t, err)
	assert.Equal(t, []string{"replaced the snapshot kept as after"}, d.Notes())
	_, err = q.Keep(ctx, Now)
	assert.ErrorContains(t, err, `"now" names the current snapshot`)

	list := q.Kept().(*SamplesDoc)
	require.Len(t, list.Samples, 2)
	assert.Equal(t, "1", list.Samples[0].Name)
	assert.Equal(t, "after", list.Samples[1].Name)
	assert.Equal(t, 41, list.Samples[1].Goroutines)
	assert.Equal(t, list.Samples, list.JSON())
	b.Reset()
	require.NoError(t, list.Text(&b))
	assert.Contains(t, b.String(), "after")

	d, err = q.Diff(ctx, DiffRequest{A: "1", B: "after", Group: "start"})
	require.NoError(t, err)
	tr := d.(*DiffDoc).Trend
	require.NotEmpty(t, tr.Groups)
	assert.Equal(t, "<unknown>", tr.Groups[0].Key, "these fixtures have no start")
	assert.Equal(t, 30, tr.Groups[0].Growth())
	assert.Same(t, tr, d.JSON())
	b.Reset()
	require.NoError(t, d.Text(&b))
	assert.Contains(t, b.String(), "diff 1 (")
	assert.Contains(t, b.String(), "BEFORE  AFTER  CHANGE")

	// Default B is now; "now" again at the same stop is the same sample.
	f.snap = growthSnapshot(8)
	d, err = q.Diff(ctx, DiffRequest{A: "after", Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, Now, d.(*DiffDoc).Trend.Samples[1].Name)
	assert.Equal(t, 10, d.(*DiffDoc).Trend.Groups[0].Growth())
	b.Reset()
	require.NoError(t, d.Text(&b))
	assert.Contains(t, b.String(), "… 1 more groups")

	_, err = q.Diff(ctx, DiffRequest{A: "nope"})
	assert.EqualError(t, err, `no snapshot kept as "nope" (snapshots lists them)`)
	_, err = q.Diff(ctx, DiffRequest{B: "nope"})
	assert.EqualError(t, err, `no snapshot kept as "nope" (snapshots lists them)`)
	_, err = q.Diff(ctx, DiffRequest{Group: "label"})
	assert.ErrorContains(t, err, "needs a label key")
	_, err = q.Diff(ctx, DiffRequest{Group: "origin"})
	assert.ErrorContains(t, err, "-group origin reads every stack")
	_, err = q.Diff(ctx, DiffRequest{Group: "bogus"})
	assert.ErrorContains(t, err, "unknown group key")
	f.snapErr = context.Canceled
	_, err = q.Keep(ctx, "x")
	assert.ErrorIs(t, err, ErrInterrupted)
	_, err = q.Diff(ctx, DiffRequest{A: "1"})
	assert.ErrorIs(t, err, ErrInterrupted)
}

func TestEmptyKeptList(t *testing.T) {
	var b strings.Builder
	require.NoError(t, New(&fakeSource{}).Kept().Text(&b))
	assert.Equal(t, "no snapshot kept (snapshot [NAME] keeps one)\n", b.String())
}

func TestSamplesStampedByTheSourceClock(t *testing.T) {
	at1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	src := coreClockSource{fakeSource: &fakeSource{snap: growthSnapshot(0)}, at: at1}
	d, err := New(src).Keep(context.Background(), "core")
	require.NoError(t, err)
	assert.Equal(t, at1, d.(*SampleDoc).Sample.TakenAt)
}

func TestDiffSamplesOutOfOrder(t *testing.T) {
	a := model.Sample{Name: "a", TakenAt: t0.Add(time.Second), Snapshot: growthSnapshot(0)}
	b := model.Sample{Name: "b", TakenAt: t0, Snapshot: growthSnapshot(2)}
	d, err := DiffSamples(a, b, chains.GroupByCreation, "", 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"a was taken after b: rates are negative in time"}, d.Notes())
	_, err = DiffSamples(a, model.Sample{}, chains.GroupByCreation, "", 0)
	assert.Error(t, err)
	k, err := ParseTrendKey("", "")
	require.NoError(t, err)
	assert.Equal(t, chains.GroupByCreation, k)
}
