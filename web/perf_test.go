package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/web"
)

// TestReportManyGoroutines measures the report of a core with
// DLV_TASKS_WEB_PERF goroutines (testdata/many): its size, how long it
// takes to write, and how long chromium takes to show its table, the
// tree and a filtered table. It runs only when that variable is set:
//
//	DLV_TASKS_WEB_PERF=100000 go test ./web -run TestReportManyGoroutines -v
func TestReportManyGoroutines(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DLV_TASKS_WEB_PERF"))
	if n <= 0 {
		t.Skip("set DLV_TASKS_WEB_PERF=N to measure a report of N goroutines")
	}
	ctx := browser(t)
	exe := testutil.BuildTarget(t, "many")
	core, _ := testutil.CrashCore(t, exe, []string{"-n", strconv.Itoa(n)}, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	require.NoError(t, err)
	start := time.Now()
	stats, err := web.WriteReport(context.Background(), s, "many", f)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	t.Logf("report of %d goroutines (%d distinct stacks): %.1f MB, written in %v",
		stats.Goroutines, stats.Stacks, float64(stats.Bytes)/1e6, time.Since(start).Round(time.Millisecond))
	require.GreaterOrEqual(t, stats.Goroutines, n)

	start = time.Now()
	run(t, ctx, chromedp.Navigate("file://"+path))
	waitRender(t, ctx, 0)
	waitJS(t, ctx, `document.querySelectorAll('#ps-table tbody tr').length === 100`)
	t.Logf("chromium: table shown %v after navigation", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	run(t, ctx, click(`th[data-col="location"]`))
	waitJS(t, ctx, `document.querySelector('th.sorted').dataset.col === 'location'`)
	t.Logf("chromium: sort every row by location %v", time.Since(start).Round(time.Millisecond))

	// main.selectWorker is one worker in five.
	start = time.Now()
	run(t, ctx, setValue("#f-text", "selectWorker"), click("#f-apply"))
	waitJS(t, ctx, fmt.Sprintf(`document.getElementById('range').textContent.startsWith('1–100 of %d ')`, n/5))
	t.Logf("chromium: text filter over every row %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	run(t, ctx, js("document.getElementById('f-group').value='labels'"), js(`document.getElementById('f-group').dispatchEvent(new Event('change'))`))
	waitJS(t, ctx, `document.querySelectorAll('#groups .chip').length > 0`)
	t.Logf("chromium: group the filtered rows by labels %v", time.Since(start).Round(time.Millisecond))

	r := renders(t, ctx)
	start = time.Now()
	run(t, ctx, js("location.hash='#tree'"))
	waitRender(t, ctx, r)
	t.Logf("chromium: creation tree shown in %v", time.Since(start).Round(time.Millisecond))
}

// TestLiveManyGoroutines measures the live view over a running target of
// DLV_TASKS_WEB_PERF goroutines (testdata/many, attached): the first page
// (which reads every goroutine), then pages served from the snapshot of
// this stop: the next page, a sort, a text filter, a group-by, in chromium.
//
//	DLV_TASKS_WEB_PERF=100000 go test ./web -run TestLiveManyGoroutines -v
func TestLiveManyGoroutines(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DLV_TASKS_WEB_PERF"))
	if n <= 0 {
		t.Skip("set DLV_TASKS_WEB_PERF=N to measure the live view of N goroutines")
	}
	ctx := browser(t)
	exe := testutil.BuildTarget(t, "many")
	tg := testutil.StartTracedTarget(t, exe, []string{"-n", strconv.Itoa(n)}, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	srv, err := web.New(s, s, nil)
	require.NoError(t, err)
	url, stop, err := web.Serve(srv, "", os.Stderr)
	require.NoError(t, err)
	defer stop()

	start := time.Now()
	run(t, ctx, chromedp.Navigate(url))
	waitJS(t, ctx, `document.querySelectorAll('#ps-table tbody tr').length === 100`)
	t.Logf("live: first page (reads %d goroutines) %v", n, time.Since(start).Round(time.Millisecond))
	step := func(what string, action chromedp.Action[chromedp.Void], done string) {
		t.Helper()
		start := time.Now()
		run(t, ctx, action)
		waitJS(t, ctx, done)
		t.Logf("live: %s %v", what, time.Since(start).Round(time.Millisecond))
	}
	step("next page", click("#next"), `document.getElementById('range').textContent.startsWith('101–')`)
	step("sort by location", click(`th[data-col="location"]`), `document.querySelector('th.sorted').dataset.col === 'location' && document.getElementById('range').textContent.startsWith('1–')`)
	// main.selectWorker is one worker in five.
	step("text filter", chromedp.Steps(setValue("#f-text", "selectWorker"), click("#f-apply")),
		fmt.Sprintf(`document.getElementById('range').textContent.startsWith('1–100 of %d ')`, n/5))
	step("group the filtered rows by state", chromedp.Steps(js("document.getElementById('f-group').value='state'"), js(`document.getElementById('f-group').dispatchEvent(new Event('change'))`)),
		`document.querySelectorAll('#groups .chip').length > 0`)
	r := renders(t, ctx)
	start = time.Now()
	run(t, ctx, js("location.hash='#tree'"))
	waitRender(t, ctx, r)
	t.Logf("live: creation tree %v", time.Since(start).Round(time.Millisecond))
}
