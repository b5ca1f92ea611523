package web_test

import (
	"context"
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
	run(t, ctx, setValue("#f-text", "main.worker"), click("#f-apply"))
	waitJS(t, ctx, `document.getElementById('range').textContent.includes('of ')`)
	t.Logf("chromium: text filter over every row %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	run(t, ctx, click(`th[data-col="location"]`))
	waitJS(t, ctx, `document.querySelector('th.sorted').dataset.col === 'location'`)
	t.Logf("chromium: sort by location %v", time.Since(start).Round(time.Millisecond))

	r := renders(t, ctx)
	start = time.Now()
	run(t, ctx, js("location.hash='#tree'"))
	waitRender(t, ctx, r)
	t.Logf("chromium: creation tree shown in %v", time.Since(start).Round(time.Millisecond))
}
