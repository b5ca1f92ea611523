package web_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/render"
	"github.com/dlv-tasks/dlv-tasks/web"
)

// topRow is one group row of the Top page.
type topRow struct {
	Key     string   `json:"key"`
	Cells   []string `json:"cells"`
	Counts  string   `json:"counts"`
	Points  []int    `json:"points"`
	Verdict string   `json:"verdict"`
}

const readTopRows = `[...document.querySelectorAll('#top-table tbody tr')].map(tr => ({key: tr.dataset.key,
	cells: [...tr.cells].map(td => td.textContent),
	counts: (tr.querySelector('svg.spark') || {dataset: {}}).dataset.counts || "",
	points: [...tr.querySelectorAll('svg.spark circle')].map(c => +c.getAttribute('data-count')),
	verdict: (tr.querySelector('td.verdict') || {}).textContent || ""}))`

// terminalTopRow finds key's row in top's text at the prompt and returns
// its COUNT, TREND and VERDICT columns.
func terminalTopRow(t *testing.T, text, key string) (count, trend, verdict string) {
	t.Helper()
	var head string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "COUNT ") {
			head = l
			continue
		}
		if head == "" || !strings.HasSuffix(l, "  "+key) {
			continue
		}
		col := func(name, next string) string {
			r := []rune(l)
			from := len([]rune(head[:strings.Index(head, name)]))
			to := len([]rune(head[:strings.Index(head, next)]))
			return strings.TrimSpace(string(r[from:min(to, len(r))]))
		}
		return col("COUNT", "Δ"), col("TREND", "NEW"), col("VERDICT", "KEY")
	}
	t.Fatalf("no row %q in top's text:\n%s", key, text)
	return "", "", ""
}

// TestTopInBrowser samples the growth target from its Top page: once where
// it stopped, then every half second while it runs. The leak's sparkline
// has a point a sample, each the number of goroutines its go statement
// created in that sample's snapshot, and its count, sparkline and verdict
// are what top prints at the prompt over the same samples.
func TestTopInBrowser(t *testing.T) {
	ctx := browser(t)
	exe := testutil.BuildTarget(t, "growth")
	tg := testutil.StartTracedTarget(t, exe, []string{"-leak", "20"}, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	srv, err := web.New(s, s, nil)
	require.NoError(t, err)
	url, stop, err := web.Serve(srv, "", os.Stderr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stop() })

	run(t, ctx, chromedp.Navigate(url+"#top"))
	waitJS(t, ctx, `!!document.getElementById('top-empty')`)

	// One sample of the stopped target: it runs a moment and is left
	// stopped; counts only, no pause, no trend.
	run(t, ctx, click("#top-sample"))
	waitJS(t, ctx, `document.body.dataset.topSeq === '1' && document.body.dataset.topBusy === ''`)
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('svg.spark').length`), "no sparkline from one sample")
	require.Contains(t, eval[string](t, ctx, `document.getElementById('top-notes').textContent`), "one sample: counts only")
	require.Contains(t, eval[string](t, ctx, `document.getElementById('top-pause').textContent`), "the target was stopped before this sample")
	require.True(t, tracingStop(t, tg.Pid), "sampling a stopped target leaves it stopped")
	run(t, ctx, click("#top-sample"))
	waitJS(t, ctx, `document.body.dataset.topSeq === '2' && document.body.dataset.topBusy === ''`)
	require.Equal(t, 2, eval[int](t, ctx, `document.querySelector('#top-table svg.spark').querySelectorAll('circle').length`))
	require.True(t, tracingStop(t, tg.Pid))

	// Clear them; then every half second: the target runs between
	// samples. Past the window (10) the trend covers only samples half a
	// second of running apart.
	run(t, ctx, click("#top-clear"))
	waitJS(t, ctx, `!!document.getElementById('top-empty')`)
	run(t, ctx, setValue("#top-every", "0.5"), click("#top-auto"))
	waitJS(t, ctx, `+document.body.dataset.topSeq >= 12`)
	waitProc(t, ctx, tg.Pid, false)
	run(t, ctx, click("#top-auto"))
	waitJS(t, ctx, `document.getElementById('top-auto').textContent === 'Start sampling' && document.body.dataset.topBusy === ''`)
	samples := srv.TopSamples()
	require.Len(t, samples, query.DefaultTopWindow)
	require.Equal(t, samples[len(samples)-1].Name, eval[string](t, ctx, `document.body.dataset.topSeq`), "the page shows the last sample taken")
	waitProc(t, ctx, tg.Pid, false) // stopping the sampling leaves it running
	pause := eval[string](t, ctx, `document.getElementById('top-pause').textContent`)
	require.Contains(t, pause, "this sample paused the target ", "a sample of the running target halts it")

	rows := eval[[]topRow](t, ctx, readTopRows)
	var leak topRow
	for _, r := range rows {
		if strings.HasPrefix(r.Key, "main.leakLoop ") {
			leak = r
		}
	}
	require.NotEmpty(t, leak.Key, "the leak's group: %+v", rows)
	require.Len(t, leak.Points, len(samples), "a point a sample")
	// Each point counts the goroutines main.leakLoop created in that
	// sample's snapshot.
	for i, smp := range samples {
		n := 0
		for _, g := range smp.Snapshot.Goroutines {
			if g.GoStatement.Function == "main.leakLoop" {
				n++
			}
		}
		require.Equal(t, n, leak.Points[i], "sample %d", i+1)
		if i > 0 { // the leak catches up with the wall clock whenever it runs
			require.Greater(t, leak.Points[i], leak.Points[i-1], "the leak grows between samples: %v", leak.Points)
		}
	}
	var counts []string
	for _, p := range leak.Points {
		counts = append(counts, strconv.Itoa(p))
	}
	require.Equal(t, strings.Join(counts, ","), leak.Counts)
	// The samples' times are when the target was so: the leak's rate
	// over them is the target's 20 a second.
	first, last := samples[0], samples[len(samples)-1]
	rate := float64(leak.Points[len(leak.Points)-1]-leak.Points[0]) / last.TakenAt.Sub(first.TakenAt).Seconds()
	require.InEpsilon(t, 20, rate, 0.2, "leak rate from the samples' times")

	// top at the prompt, over the same samples, prints the same numbers.
	series := query.NewTopSeries(0)
	for _, smp := range samples {
		require.NoError(t, series.Add(smp, 0, time.Time{}))
	}
	d, err := series.Doc("creation", "", 0)
	require.NoError(t, err)
	var text strings.Builder
	require.NoError(t, d.Text(&text))
	count, trend, verdict := terminalTopRow(t, text.String(), render.ShortKey(leak.Key)) // top shows short files
	require.Equal(t, strconv.Itoa(leak.Points[len(leak.Points)-1]), count)
	require.Equal(t, render.Sparkline(leak.Points), trend)
	require.Equal(t, verdict, leak.Verdict)
	require.Equal(t, "leak suspect", leak.Verdict)
	require.Equal(t, leak.Cells[0], count, "COUNT")
	verdicts := eval[string](t, ctx, `document.getElementById('top-verdicts').textContent`)
	require.Contains(t, verdicts, "leak suspect: "+leak.Key)
	screenshot(t, ctx, "web-top.png")

	// Another grouping of the same samples, while the target runs.
	run(t, ctx, js(`document.getElementById('top-group').value = 'start'`), js(`document.getElementById('top-group').dispatchEvent(new Event('change'))`))
	waitJS(t, ctx, `[...document.querySelectorAll('#top-table tbody tr')].some(tr => tr.dataset.key === 'main.fetchOnce')`)
	byStart := eval[[]topRow](t, ctx, readTopRows)
	for _, r := range byStart {
		if r.Key == "main.fetchOnce" {
			require.Equal(t, leak.Points, r.Points, "the leaked goroutines start in main.fetchOnce")
		}
	}

	// Halt from the header stops it.
	waitJS(t, ctx, `!!document.getElementById('btn-halt') && !document.getElementById('btn-halt').disabled`)
	run(t, ctx, click("#btn-halt"))
	waitProc(t, ctx, tg.Pid, true)
	waitJS(t, ctx, `document.body.dataset.running === ''`)
}

// checkReportTop checks a report's Top page: the one snapshot's counts,
// said to be one, no sparkline, target strings as text.
func checkReportTop(t *testing.T, ctx context.Context, src query.Source) {
	t.Helper()
	n := renders(t, ctx)
	run(t, ctx, js("location.hash='#top'"))
	waitRender(t, ctx, n)
	waitJS(t, ctx, `!!document.getElementById('top-table')`)
	require.Contains(t, eval[string](t, ctx, `document.getElementById('top-notes').textContent`), "one snapshot (a core is one moment)")
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('svg.spark, #top-verdicts, #top-controls').length`), "no trend, verdicts or sampling")
	d, err := query.New(src).TopOne(context.Background(), "task", "", 0)
	require.NoError(t, err)
	want := d.View()
	run(t, ctx, js(`document.getElementById('top-group').value = 'task'`), js(`document.getElementById('top-group').dispatchEvent(new Event('change'))`))
	waitJS(t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#top-table tbody tr')].length === %d && document.getElementById('top-head').textContent.includes('by task')`, len(want.Groups)))
	rows := eval[[]topRow](t, ctx, readTopRows)
	for i, g := range want.Groups {
		require.Equal(t, []string{strconv.Itoa(g.Count), g.States, g.Key}, rows[i].Cells)
	}
	require.Contains(t, eval[string](t, ctx, `document.getElementById('top-table').textContent`), scriptTask, "a task name shown as text")
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#top-table script, #top-table img').length`))
	run(t, ctx, js(`document.getElementById('top-group').value = 'creation'`), js(`document.getElementById('top-group').dispatchEvent(new Event('change'))`))
	waitJS(t, ctx, `document.getElementById('top-head').textContent.includes('by creation')`)
}
