package query

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// topTextRows reads the group rows of top's text (the table under its
// header line), each column cut where the header puts it.
func topTextRows(t *testing.T, text string) []map[string]string {
	t.Helper()
	lines := strings.Split(text, "\n")
	var head []rune
	var rows []map[string]string
	for _, l := range lines {
		if strings.HasPrefix(l, "COUNT ") {
			head = []rune(l)
			continue
		}
		if head == nil {
			continue
		}
		if strings.HasPrefix(l, "over ") || strings.HasPrefix(l, "  ") || l == "" {
			break
		}
		cols := strings.Fields(string(head))
		r := []rune(l)
		row := map[string]string{}
		for i, c := range cols {
			start := strings.Index(string(head), c)
			from := len([]rune(string(head)[:start]))
			to := len(r)
			if i+1 < len(cols) {
				next := strings.Index(string(head), cols[i+1])
				to = min(len(r), len([]rune(string(head)[:next])))
			}
			row[c] = strings.TrimSpace(string(r[min(from, len(r)):to]))
		}
		rows = append(rows, row)
	}
	require.NotEmpty(t, rows, "no rows in:\n%s", text)
	return rows
}

// checkViewIsText checks that the view's rows are top's text rows.
func checkViewIsText(t *testing.T, v TopView, text string) {
	t.Helper()
	rows := topTextRows(t, text)
	require.Len(t, v.Groups, len(rows))
	for i, g := range v.Groups {
		r := rows[i]
		assert.Equal(t, strconv.Itoa(g.Count), r["COUNT"], "group %s", g.Key)
		assert.Equal(t, strconv.Itoa(g.Delta), strings.TrimPrefix(r["Δ"], "+"), "group %s", g.Key)
		assert.Equal(t, g.Sparkline, r["TREND"], "group %s", g.Key)
		assert.Equal(t, strconv.Itoa(g.New), r["NEW"], "group %s", g.Key)
		assert.Equal(t, strconv.Itoa(g.Ended), r["ENDED"], "group %s", g.Key)
		assert.Equal(t, g.States, r["STATES"], "group %s", g.Key)
		assert.Equal(t, g.Verdict, r["VERDICT"], "group %s", g.Key)
		assert.Equal(t, render.ShortKey(g.Key), r["KEY"], "the terminal shows the key with a short file")
		assert.Equal(t, g.Count, g.Counts[len(g.Counts)-1])
	}
}

// TestTopSeriesEqualsTop feeds a series the samples top took at the
// prompt: the trend is the same, and the browser's rows are top's.
func TestTopSeriesEqualsTop(t *testing.T) {
	f := newLiveFake()
	var docs []*TopDoc
	var samples []model.Sample
	_, err := New(f).Top(context.Background(), TopRequest{Interval: 5 * time.Millisecond, Samples: 4}, f, nil, func(d *TopDoc) error {
		docs = append(docs, d)
		samples = append(samples, model.Sample{TakenAt: d.TakenAt, Snapshot: f.snap})
		return nil
	})
	require.NoError(t, err)
	waitRunning(t, f)
	series := NewTopSeries(0)
	for i, s := range samples {
		require.NoError(t, series.Add(s, docs[i].Pause, time.Time{}))
		d, err := series.Doc("", "", 0)
		require.NoError(t, err)
		require.Equal(t, docs[i].Trend, d.Trend, "after sample %d", i+1)
		var b strings.Builder
		require.NoError(t, docs[i].Text(&b))
		checkViewIsText(t, d.View(), b.String())
	}
	v := must(series.Doc("", "", 0)).View()
	assert.Equal(t, 4, v.Samples)
	assert.Equal(t, 4, v.Seq)
	assert.Equal(t, []int{15, 20, 25, 30}, v.Groups[0].Counts)
	assert.Equal(t, chains.VerdictLeak, v.Groups[0].Verdict)
	assert.Equal(t, 5, v.Groups[0].Delta)
	assert.Equal(t, 1, v.Hot)
	assert.Equal(t, 15, v.Stuck)
	require.Len(t, v.Verdicts, 2)
	assert.Contains(t, v.Verdicts[0], "leak suspect: main.leak /src/growth/main.go:80")
	assert.Equal(t, samples[3].TakenAt.Sub(samples[2].TakenAt), v.IntervalNs)

	// Another grouping of the same samples.
	byLoc := must(series.Doc("location", "", 1)).View()
	require.Len(t, byLoc.Groups, 1)
	assert.Equal(t, 1, byLoc.MoreGroups)
	assert.Contains(t, byLoc.Groups[0].Key, "main.fetchOnce")
	_, err = series.Doc("stack", "", 0)
	assert.Error(t, err, "stack groups need stacks")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTopSeriesFewSamples(t *testing.T) {
	series := NewTopSeries(3)
	_, err := series.Doc("", "", 0)
	assert.ErrorIs(t, err, chains.ErrTooFewSamples)
	require.Error(t, series.Add(model.Sample{}, 0, time.Time{}))

	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s1 := growthSnapshot(0)
	require.NoError(t, series.Add(model.Sample{TakenAt: at, Snapshot: s1}, 0, at))
	assert.ErrorIs(t, series.Add(model.Sample{TakenAt: at.Add(time.Second), Snapshot: s1}, 0, time.Time{}), ErrSameSample)
	d := must(series.Doc("", "", 0))
	v := d.View()
	assert.Equal(t, 1, v.Samples)
	assert.Equal(t, []int{10}, v.Groups[0].Counts)
	assert.Zero(t, v.Groups[0].Delta)
	assert.Empty(t, v.Groups[0].Verdict, "no verdict from one sample")
	assert.Empty(t, v.Verdicts)
	assert.Equal(t, []string{"one sample: counts only; a trend needs two samples, verdicts three"}, v.Notes)

	// The second sample paused the target 100 ms out of the second since
	// the first one let it run.
	require.NoError(t, series.Add(model.Sample{TakenAt: at.Add(time.Second), Snapshot: growthSnapshot(1)}, 100*time.Millisecond, at.Add(time.Second+100*time.Millisecond)))
	v = must(series.Doc("", "", 0)).View()
	assert.Equal(t, []int{10, 15}, v.Groups[0].Counts)
	assert.Empty(t, v.Verdicts, "no verdict from two samples")
	assert.Equal(t, 100*time.Millisecond, v.PauseNs)
	assert.InDelta(t, 1-0.1/1.1, v.DutyCycle, 1e-9)
	assert.Contains(t, v.Warning, "10% of the time since the last one")

	// The window keeps the last three.
	for i := 2; i <= 4; i++ {
		require.NoError(t, series.Add(model.Sample{TakenAt: at.Add(time.Duration(i) * time.Second), Snapshot: growthSnapshot(i)}, 0, time.Time{}))
	}
	v = must(series.Doc("", "", 0)).View()
	assert.Equal(t, 5, v.Seq)
	assert.Equal(t, []int{20, 25, 30}, v.Groups[0].Counts)
	assert.Equal(t, chains.VerdictLeak, v.Groups[0].Verdict)
	assert.Empty(t, v.Notes)
}

func TestTopOneIsCountsOnly(t *testing.T) {
	src := &fakeSource{snap: growthSnapshot(2)}
	d, err := New(src).TopOne(bg, "", "", 0)
	require.NoError(t, err)
	v := d.View()
	assert.Zero(t, v.Seq)
	assert.Equal(t, 1, v.Samples)
	require.Len(t, v.Groups, 2)
	assert.Equal(t, []int{20}, v.Groups[0].Counts)
	assert.Empty(t, v.Groups[0].Verdict)
	assert.Empty(t, v.Verdicts)
	assert.Equal(t, []string{"one snapshot (a core is one moment): counts per group only; a trend needs samples of a live target"}, v.Notes)
}
