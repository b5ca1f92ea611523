package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/web"
)

var screenshots = flag.String("screenshots", "", "save screenshots of the main views into this `dir` (docs/)")

func TestMain(m *testing.M) {
	code := m.Run()
	if err := testutil.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// The hostile strings testdata/webhostile puts in target memory, as its
// source writes them.
const (
	scriptTask  = "<script>alert(1)</script>"
	endedTask   = "ended <img src=x onerror=alert(3)>"
	hostileNote = `"><img src=x onerror=alert(2)>`
	causeText   = `quota "exceeded" <b onmouseover=alert(4)>now</b>`
	groupName   = "</td><td>group"
)

// browser starts headless chromium with a fresh profile. Without chromium
// the test is skipped, except in CI (CI set), where it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not installed (apt-get install -y chromium): %v", err)
		}
		t.Skip("chromium is not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// A dialog is script from the target's strings running: fail.
	var mu sync.Mutex
	var dialogs []string
	bctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, d.Message)
			mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		mu.Lock()
		defer mu.Unlock()
		if len(dialogs) > 0 {
			t.Errorf("script from target strings ran: dialogs %q", dialogs)
		}
	})
	// The first run starts the browser and must not carry a timeout.
	require.NoError(t, chromedp.Do(bctx))
	ctx, cancelTimeout := context.WithTimeout(bctx, 5*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

// run runs browser actions, failing the test on an error.
func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "evaluate %s", expr)
	return v
}

// click clicks the element sel selects (a CSS selector).
func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

// setValue sets the value of the input sel selects (chromedp.SetValue
// refuses the empty string).
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	q, _ := json.Marshal(sel)
	val, _ := json.Marshal(v)
	return js(fmt.Sprintf("document.querySelector(%s).value = %s", q, val))
}

// js runs a JavaScript statement in the page.
func js(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[any](expr)(ctx, t)
		return chromedp.Void{}, err
	}
}

// tableRows reads the ps table's cells as the page shows them.
func tableRows(t *testing.T, ctx context.Context) [][]string {
	t.Helper()
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#ps-table")))
	return eval[[][]string](t, ctx, `[...document.querySelectorAll('#ps-table tbody tr')].map(tr => [...tr.cells].map(td => td.textContent))`)
}

// waitRender waits until the page has rendered a view after the n-th one.
func waitRender(t *testing.T, ctx context.Context, after int) int {
	t.Helper()
	for {
		n := renders(t, ctx)
		if n > after {
			return n
		}
		select {
		case <-ctx.Done():
			t.Fatal("the page did not render")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// renders counts the views the page has rendered.
func renders(t *testing.T, ctx context.Context) int {
	t.Helper()
	return eval[int](t, ctx, `+(document.body.dataset.ready || 0)`)
}

// waitJS polls a JavaScript condition until it holds.
func waitJS(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute)))
	if err != nil {
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent + '\n' + document.getElementById('main').innerText.slice(0, 1500)`))
		t.Fatalf("waiting for %s: %v; the page shows:\n%s", cond, err, shown)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(*screenshots, name), png, 0o644))
}

// psJSON is what ps --json answers on the same session.
func psJSON(t *testing.T, src query.Source, r query.PsRequest) []model.Goroutine {
	t.Helper()
	d, err := query.New(src).Ps(context.Background(), r)
	require.NoError(t, err)
	b, err := json.Marshal(d.JSON())
	require.NoError(t, err)
	var gs []model.Goroutine
	require.NoError(t, json.Unmarshal(b, &gs))
	return gs
}

// checkTableAgainstPs checks the first page (sorted by id) row by row
// against ps --json.
func checkTableAgainstPs(t *testing.T, ctx context.Context, src query.Source) {
	t.Helper()
	gs := psJSON(t, src, query.PsRequest{})
	slices.SortFunc(gs, func(a, b model.Goroutine) int { return int(a.ID - b.ID) })
	rows := tableRows(t, ctx)
	require.Len(t, rows, min(len(gs), 100))
	for i, r := range rows {
		g := gs[i]
		require.Equal(t, fmt.Sprint(g.ID), r[0], "row %d", i)
		require.Equal(t, chains.State(&g), r[2], "goroutine %d state", g.ID)
		if g.Task != nil {
			require.Equal(t, fmt.Sprintf("t:%d %s", g.Task.ID, g.Task.Name), r[5], "goroutine %d task", g.ID)
		} else {
			require.Equal(t, "-", r[5])
		}
		require.Contains(t, r[7], g.Location.Function, "goroutine %d location", g.ID)
	}
}

// checkHostileStringsAreText checks that the target's markup is shown as
// text and that no element or script came from it.
func checkHostileStringsAreText(t *testing.T, ctx context.Context) {
	t.Helper()
	rows := tableRows(t, ctx)
	var cells []string
	for _, r := range rows {
		cells = append(cells, r...)
	}
	require.Contains(t, cells, "t:1 "+scriptTask)
	require.Contains(t, cells, groupName)
	var labelCell bool
	for _, c := range cells {
		labelCell = labelCell || strings.Contains(c, "note="+hostileNote)
	}
	require.True(t, labelCell, "label value shown as text")
	injected := eval[int](t, ctx, `document.querySelectorAll('main img, main b[onmouseover], main script, #ps-table td td').length`)
	require.Zero(t, injected, "elements made from target strings")
	scripts := eval[int](t, ctx, `document.scripts.length`)
	require.LessOrEqual(t, scripts, 2, "only the page's own scripts")
}

// exerciseViews runs the checks the report and the live view share:
// filter, sort, group, tree, goroutine page, cancellation chain.
func exerciseViews(t *testing.T, ctx context.Context, src query.Source) {
	t.Helper()
	gs := psJSON(t, src, query.PsRequest{})

	// Text filter.
	n := renders(t, ctx)
	run(t, ctx, setValue("#f-text", "canceller"), click("#f-apply"))
	waitJS(t, ctx, `document.getElementById('range').textContent.startsWith('1–')`)
	waitJS(t, ctx, `[...document.querySelectorAll('#ps-table tbody tr')].every(tr => tr.textContent.includes('canceller'))`)
	_ = n
	// State filter, against ps -state.
	want := psJSON(t, src, query.PsRequest{Filter: chains.Filter{States: []string{"chan receive"}}})
	run(t, ctx, setValue("#f-text", ""), setValue("#f-state", "chan receive"),
		click("#f-apply"))
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll('#ps-table tbody tr').length === %d && [...document.querySelectorAll('#ps-table tbody tr')].every(tr => tr.cells[2].textContent === 'chan receive')`, len(want)))
	// Label filter.
	run(t, ctx, setValue("#f-state", ""), setValue("#f-label", "note"),
		click("#f-apply"))
	waitJS(t, ctx, `document.querySelectorAll('#ps-table tbody tr').length === 1`)
	rows := tableRows(t, ctx)
	require.Equal(t, "t:4 idle", rows[0][5])
	run(t, ctx, setValue("#f-label", ""), click("#f-apply"))
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll('#ps-table tbody tr').length === %d`, min(len(gs), 100)))

	// Sort by id, descending: the largest id first.
	maxID := slices.MaxFunc(gs, func(a, b model.Goroutine) int { return int(a.ID - b.ID) }).ID
	run(t, ctx, click(`th[data-col="id"]`))
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('#ps-table tbody tr').dataset.id === '%d'`, maxID))
	run(t, ctx, click(`th[data-col="id"]`))
	waitJS(t, ctx, `document.querySelector('#ps-table tbody tr').dataset.id === '1'`)

	// Group by state: the counts are ps's.
	counts := map[string]int{}
	for i := range gs {
		counts[chains.State(&gs[i])]++
	}
	run(t, ctx, js("document.getElementById('f-group').value='state'"),
		js(`document.getElementById('f-group').dispatchEvent(new Event('change'))`))
	waitJS(t, ctx, `document.querySelectorAll('#groups .chip').length > 0`)
	chips := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('#groups .chip[data-key]')].map(c => [c.dataset.key, c.querySelector('.n').textContent]))`)
	require.Len(t, chips, len(counts))
	for k, c := range counts {
		require.Equal(t, fmt.Sprint(c), chips[k], "group %q", k)
	}
	run(t, ctx, click(`#groups .chip[data-key="sleep"]`))
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll('#ps-table tbody tr').length === %d`, counts["sleep"]))
	run(t, ctx, js("document.getElementById('f-group').value=''"),
		js(`document.getElementById('f-group').dispatchEvent(new Event('change'))`))
	waitJS(t, ctx, `document.querySelectorAll('#groups .chip').length === 0`)
	screenshot(t, ctx, "web-table.png")

	// The tree: the canceller's goroutine is folded until expanded, and
	// holds main.flusher.
	var canceller model.Goroutine
	for _, g := range gs {
		if g.Task != nil && g.Task.Name == "canceller" {
			canceller = g
		}
	}
	require.NotZero(t, canceller.ID)
	n = renders(t, ctx)
	run(t, ctx, js("location.hash='#tree'"))
	waitRender(t, ctx, n)
	node := fmt.Sprintf(`#tree li[data-id="%d"]`, canceller.ID)
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('%s > ul').hidden === true`, node))
	run(t, ctx, click(node+" > .node > button.toggle"))
	waitJS(t, ctx, fmt.Sprintf(`document.querySelector('%s > ul').hidden === false && document.querySelector('%s > ul').textContent.includes('main.flusher')`, node, node))
	// The task tree: tasks by name (as text), the group with its task.
	taskTree := eval[string](t, ctx, `document.getElementById('task-tree').textContent`)
	require.Contains(t, taskTree, "t:1 "+scriptTask)
	require.Contains(t, taskTree, "group "+groupName)
	require.Contains(t, taskTree, "t:4 idle")
	screenshot(t, ctx, "web-tree.png")

	// The goroutine page of the task whose context was cancelled: its
	// stack with source, the cancellation chain with the cause, the
	// canceller's stack; following the chain opens the canceller.
	var victim model.Goroutine
	for _, g := range gs {
		if g.Task != nil && g.Task.Name == scriptTask {
			victim = g
		}
	}
	require.NotZero(t, victim.ID)
	n = renders(t, ctx)
	run(t, ctx, js(fmt.Sprintf("location.hash='#g/%d'", victim.ID)))
	waitRender(t, ctx, n)
	type goroutinePage struct {
		Title, Task, Stack, Cause string
		Sources                   []string
		Canceller                 string
	}
	page := eval[goroutinePage](t, ctx, `({title: document.querySelector('#summary h1').textContent, task: document.getElementById('task').textContent,
		stack: document.getElementById('stack').textContent, cause: (document.querySelector('#cancel .cause') || {}).textContent,
		sources: [...document.querySelectorAll('#stack pre.src')].map(p => p.textContent),
		canceller: (document.querySelector('#cancel a.canceller') || {}).textContent})`)
	require.Equal(t, fmt.Sprintf("Goroutine %d", victim.ID), page.Title)
	require.Equal(t, fmt.Sprintf("t:%d %s", victim.Task.ID, scriptTask), page.Task)
	require.Contains(t, page.Stack, "main.main.func1")
	require.Contains(t, page.Sources, "<-forever // never looks at ctx", "the source line of the blocked frame")
	require.Equal(t, causeText, page.Cause)
	require.Equal(t, fmt.Sprint(canceller.ID), page.Canceller)
	cancellerStack := eval[string](t, ctx, `document.querySelector('#cancel ol.stack').textContent`)
	require.Contains(t, cancellerStack, "main.main.func3", "the canceller's stack at the cancel")
	screenshot(t, ctx, "web-goroutine.png")
	n = renders(t, ctx)
	run(t, ctx, click("#cancel a.canceller"))
	waitRender(t, ctx, n)
	title := eval[string](t, ctx, `document.querySelector('#summary h1').textContent`)
	task := eval[string](t, ctx, `document.getElementById('task').textContent`)
	require.Equal(t, fmt.Sprintf("Goroutine %d", canceller.ID), title)
	require.Equal(t, fmt.Sprintf("t:%d canceller", canceller.Task.ID), task)

	// Ended tasks and swallowed cancellations.
	n = renders(t, ctx)
	run(t, ctx, js("location.hash='#terminated'"))
	waitRender(t, ctx, n)
	ended := eval[[]string](t, ctx, `[...document.querySelectorAll('#ended-table tr[data-task] td:first-child')].map(td => td.textContent)`)
	require.Equal(t, []string{"t:2 " + endedTask}, ended)
	// Its details: how it ended, who cancelled it and why.
	run(t, ctx, click("#ended-table tr[data-task] a"))
	waitJS(t, ctx, `!!document.querySelector('#ended-detail h2')`)
	detail := eval[string](t, ctx, `document.getElementById('ended-detail').textContent`)
	require.Contains(t, detail, "t:2 "+endedTask+" — cancelled")
	require.Contains(t, detail, fmt.Sprintf("cancel by goroutine %d", canceller.ID))
	require.Contains(t, detail, causeText)
	n = renders(t, ctx)
	run(t, ctx, js("location.hash='#swallowed'"))
	waitRender(t, ctx, n)
	swallowed := eval[[][]string](t, ctx, `[...document.querySelectorAll('#swallowed-table tr')].slice(1).map(tr => [...tr.cells].map(td => td.textContent))`)
	require.Len(t, swallowed, 1)
	require.Equal(t, []string{fmt.Sprint(victim.ID), "t:1 " + scriptTask, "cancel", causeText}, swallowed[0][:4])
	n = renders(t, ctx)
	run(t, ctx, js("location.hash='#ps'"))
	waitRender(t, ctx, n)
}

func TestReportInBrowser(t *testing.T) {
	ctx := browser(t)
	exe := testutil.BuildTarget(t, "webhostile")
	core, _ := testutil.CrashCore(t, exe, nil, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	require.NoError(t, err)
	stats, err := web.WriteReport(context.Background(), s, "webhostile", f)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Positive(t, stats.Goroutines)
	html, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotContains(t, string(html), scriptTask, "the data is escaped inside its script element")
	require.NotContains(t, string(html), "http://", "the report names no other address")
	require.NotContains(t, string(html), "https://", "the report names no other address")

	run(t, ctx, chromedp.Navigate("file://"+path))
	waitRender(t, ctx, 0)
	checkTableAgainstPs(t, ctx, s)
	checkHostileStringsAreText(t, ctx)
	exerciseViews(t, ctx, s)
	checkReportTop(t, ctx, s)
}

// tracingStop reports whether /proc says the process is stopped by the
// debugger.
func tracingStop(t *testing.T, pid int) bool {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "State:"); ok {
			return strings.Contains(v, "tracing stop")
		}
	}
	t.Fatalf("no State in /proc/%d/status", pid)
	return false
}

// waitProc waits until the process's tracing stop is as wanted.
func waitProc(t *testing.T, ctx context.Context, pid int, stopped bool) {
	t.Helper()
	for tracingStop(t, pid) != stopped {
		select {
		case <-ctx.Done():
			t.Fatalf("pid %d: tracing stop never became %v", pid, stopped)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// liveWebhostile launches testdata/webhostile under Delve, stopped at
// main.ready, with the tracker unoptimized so that cancel can call it.
func liveWebhostile(t *testing.T) *dlvclient.Session {
	t.Helper()
	exe := testutil.BuildTargetFlags(t, "webhostile", "-gcflags="+model.TrackerPackage+"=-N -l")
	s, err := dlvclient.Exec(exe, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	bp, err := s.Break("main.ready", "")
	require.NoError(t, err)
	st, err := s.Continue()
	require.NoError(t, err)
	require.False(t, st.Exited)
	_, err = s.ClearBreakpoint(fmt.Sprint(bp.ID))
	require.NoError(t, err)
	return s
}

func TestLiveInBrowser(t *testing.T) {
	ctx := browser(t)
	s := liveWebhostile(t)
	srv, err := web.New(s, s, nil)
	require.NoError(t, err)
	url, stop, err := web.Serve(srv, "", os.Stderr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stop() })
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	pid := snap.Target.PID
	require.Positive(t, pid)

	run(t, ctx, chromedp.Navigate(url))
	waitRender(t, ctx, 0)
	checkTableAgainstPs(t, ctx, s)
	checkHostileStringsAreText(t, ctx)
	exerciseViews(t, ctx, s)

	// Continue, then halt, from the page: the process runs, then is in
	// a tracing stop again.
	require.True(t, tracingStop(t, pid))
	waitJS(t, ctx, `!!document.getElementById('btn-continue') && !document.getElementById('btn-continue').disabled`)
	run(t, ctx, click("#btn-continue"))
	waitJS(t, ctx, `document.body.dataset.running === '1' && !document.getElementById('btn-halt').disabled`)
	waitProc(t, ctx, pid, false)
	// While it runs, reads are refused, not queued.
	resp, err := http.Get(url + "api/table")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	n := renders(t, ctx)
	run(t, ctx, click("#btn-halt"))
	waitJS(t, ctx, `document.body.dataset.running === ''`)
	waitRender(t, ctx, n) // the view is read again at the new stop
	require.True(t, tracingStop(t, pid))
	checkTableAgainstPs(t, ctx, s)

	// Cancel a task, behind its confirmation.
	gs := psJSON(t, s, query.PsRequest{})
	var idle model.Goroutine
	for _, g := range gs {
		if g.Task != nil && g.Task.Name == "idle" {
			idle = g
		}
	}
	require.NotZero(t, idle.ID)
	n = renders(t, ctx)
	run(t, ctx, js(fmt.Sprintf("location.hash='#g/%d'", idle.ID)))
	waitRender(t, ctx, n)
	run(t, ctx, click("#cancel-task"))
	waitJS(t, ctx, `!document.getElementById('cancel-confirm').hidden`)
	n = renders(t, ctx)
	run(t, ctx, click("#cancel-yes"))
	waitRender(t, ctx, n)
	waitJS(t, ctx, `document.getElementById('status').textContent === 'task cancelled'`)
	d, err := query.New(s).CancelChain(context.Background(), chains.ID{Task: idle.Task.ID})
	require.NoError(t, err)
	hops := d.(*query.CancelChainDoc).Hops
	require.NotEmpty(t, hops, "the tracker recorded the cancel")
	require.Equal(t, model.CancelExplicit, hops[0].How)
}

// wrongToken is token with its first character changed (to "0", or to "1"
// when it already starts with "0": one token in sixteen does).
func wrongToken(token string) string {
	if strings.HasPrefix(token, "0") {
		return "1" + token[1:]
	}
	return "0" + token[1:]
}

// TestStateChangesNeedTokenAndSameOrigin drives the endpoints the way
// another web page could.
func TestStateChangesNeedTokenAndSameOrigin(t *testing.T) {
	s := liveWebhostile(t)
	srv, err := web.New(s, s, nil)
	require.NoError(t, err)
	url, stop, err := web.Serve(srv, "", os.Stderr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stop() })
	post := func(path string, hdr map[string]string) int {
		req, err := http.NewRequest(http.MethodPost, url+path, strings.NewReader(""))
		require.NoError(t, err)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusForbidden, post("api/continue", nil), "no token")
	require.Equal(t, http.StatusForbidden, post("api/continue", map[string]string{web.TokenHeader: wrongToken(srv.Token())}), "wrong token")
	require.Equal(t, http.StatusForbidden, post("api/continue", map[string]string{web.TokenHeader: srv.Token(), "Origin": "http://evil.example"}), "cross-origin")
	require.Equal(t, http.StatusForbidden, post("api/continue", map[string]string{web.TokenHeader: srv.Token(), "Sec-Fetch-Site": "cross-site"}), "cross-site")
	resp, err := http.Get(url + "api/continue")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "GET does not continue")
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.True(t, tracingStop(t, snap.Target.PID), "nothing ran the target")
	// A DNS-rebinding page reaches the server under its own host name.
	req, err := http.NewRequest(http.MethodGet, url+"api/table", nil)
	require.NoError(t, err)
	req.Host = "attacker.example"
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
	// With the token, from the page's origin: it runs.
	require.Equal(t, http.StatusOK, post("api/continue", map[string]string{web.TokenHeader: srv.Token(), "Origin": strings.TrimSuffix(url, "/")}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	waitProc(t, ctx, snap.Target.PID, false)
	require.Equal(t, http.StatusOK, post("api/halt", map[string]string{web.TokenHeader: srv.Token()}))
	waitProc(t, ctx, snap.Target.PID, true)
}
