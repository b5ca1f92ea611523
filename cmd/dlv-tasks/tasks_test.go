package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// trackedArgs run testdata/tracked with a small history. Task ids are then
// fixed (testdata/tracked/main.go): batch-item 1..50, then these.
var trackedArgs = []string{"-ended", "50"}

const (
	tEventWatcher     = "t:51"
	tHealthChecker    = "t:52"
	tConfigReloader   = "t:53"
	tChainGrandAlive  = "t:56"
	tStubbornFlusher  = "t:57"
	tChainGrandExited = "t:61"
)

// trackedCore makes a kernel core of the tracked target, once per process.
var trackedCoreOnce struct {
	sync.Once
	exe, core string
}

func trackedCore(t *testing.T) (exe, core string) {
	t.Helper()
	trackedCoreOnce.Do(func() {
		exe := testutil.BuildTarget(t, "tracked")
		dir, err := os.MkdirTemp("", "dlv-tasks-tracked-core")
		require.NoError(t, err)
		c, _ := testutil.CrashCore(t, exe, trackedArgs, nil)
		kept := filepath.Join(dir, "core")
		data, err := os.ReadFile(c)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(kept, data, 0o600))
		trackedCoreOnce.exe, trackedCoreOnce.core = exe, kept
	})
	require.NotEmpty(t, trackedCoreOnce.core, "making the tracked core failed in an earlier test")
	return trackedCoreOnce.exe, trackedCoreOnce.core
}

// oneShot builds "-c CMD" arguments.
func oneShot(cmds ...string) []string {
	var args []string
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	return args
}

// liveTracked runs commands on the tracked target launched under Delve and
// stopped at main.ready.
func liveTracked(t *testing.T, cmds ...string) result {
	// Delve calls the tracker's cancel hook only if it is not optimized.
	exe := testutil.BuildTargetFlags(t, "tracked", "-gcflags=github.com/dlv-tasks/dlv-tasks/tracker=-N -l")
	args := append([]string{"exec", exe}, oneShot(append([]string{"break main.ready", "continue"}, cmds...)...)...)
	args = append(args, "--")
	args = append(args, trackedArgs...)
	return run(t, "", nil, args...)
}

// checkTrackerCommands asserts what every task command shows on the
// tracked target, live or from a core.
func checkTrackerCommands(t *testing.T, r result) {
	t.Helper()
	out := r.stdout
	// ps: task columns.
	require.Regexp(t, `(?m)^ID\s+PARENT\s+STATE\s+WAIT\s+LABELS\s+TASK\s+GROUP\s+LOCATION`, out)
	require.Regexp(t, `(?m)\s`+tHealthChecker+` health-checker\s+lifecycle\s`, out)
	// ps -group task: the report-job pile-up.
	require.Regexp(t, `(?m)^\d+\s+report-job\s`, out)
	// ps -cancelled: the swallowed cancellation.
	require.Regexp(t, `(?m)^\d+\s+`+tStubbornFlusher+` stubborn-flusher\s+\d\d:\d\d:\d\d\.\d{3} \([^)]+ ago\)\s+parent\s+disk full\s+chan receive\s+main\.stubbornFlusher`, out)
	// pst: the watcher's error, preserved.
	require.Regexp(t, `(?m)^`+tEventWatcher+`\s+event-watcher\s+lifecycle\s+error\s+watch stream closed: EOF\s+.* ago\)\s+\S+\s+yes$`, out)
	// wt: the record in full.
	require.Contains(t, out, "Task "+tEventWatcher+" event-watcher ended: error")
	require.Contains(t, out, "  error: watch stream closed: EOF")
	require.Contains(t, out, "  group: lifecycle")
	require.Contains(t, out, "main.startLifecycle")
	// cc: three hops to main.shutdown, with the cause, canceller alive and exited.
	require.Contains(t, out, "Cancellation chain of "+tChainGrandExited+" chain-grand-exited")
	require.Contains(t, out, "Cancellation chain of "+tChainGrandAlive+" chain-grand-alive")
	require.Contains(t, out, "Cancellation chain of "+tStubbornFlusher+" stubborn-flusher")
	require.Regexp(t, `cancelled by goroutine \d+ \(exited\) in t:\d+ canceller-exited \[ended: returned`, out)
	require.Regexp(t, `cancelled by goroutine \d+ \(alive: chan receive at main\.\(\*chain\)\.canceller .*\) in t:\d+ canceller-alive \[running\]`, out)
	require.Contains(t, out, "cause: disk full")
	require.Regexp(t, `canceller stack:\n\s+0  main\.shutdown\n`, out)
	require.Regexp(t, `(?m)^  3\. context \d+ cancelled by`, out)
	// pstree: groups as scopes with their tasks.
	require.Regexp(t, `(?m)^group \d+ lifecycle\n├─ `+tHealthChecker+` health-checker`, out)
	// unknown task.
	require.Contains(t, r.stderr, "error: cancel-chain t:99999: unknown task 99999")
	require.Contains(t, r.stderr, "error: where-terminated t:99999: unknown task 99999")
}

var trackerCommands = []string{
	"ps -user",
	"ps -group task",
	"ps -cancelled",
	"ps-terminated -name watcher",
	"where-terminated " + tEventWatcher,
	"cancel-chain " + tChainGrandExited,
	"cancel-chain " + tChainGrandAlive,
	"cancel-chain " + tStubbornFlusher,
	"pstree -tasks",
	"cancel-chain t:99999",
	"where-terminated t:99999",
}

func TestTrackerCommandsLive(t *testing.T) {
	r := liveTracked(t, append(trackerCommands,
		"cancel "+tConfigReloader,
		"cancel -y "+tConfigReloader,
		"cancel-chain "+tConfigReloader,
	)...)
	require.Equal(t, 1, r.code, "the unknown ids fail: %s", r.stderr)
	checkTrackerCommands(t, r)
	require.Contains(t, r.stderr, "error: cancel "+tConfigReloader+": cancelling "+tConfigReloader+" config-reloader needs confirmation: pass -y")
	require.Contains(t, r.stdout, "Cancelled the context of task "+tConfigReloader+" config-reloader")
	// The cancel, made by a call in the target, is now the origin of the
	// reloader's cancellation chain.
	require.Regexp(t, `Cancellation chain of `+tConfigReloader+` config-reloader \(context \d+\), origin last:\n  1\. context \d+ \(of `+tConfigReloader+`\) cancelled by goroutine \d+ .* outside any task`, r.stdout)
	require.Contains(t, r.stdout, "cause: tracker: cancelled from the debugger")
	require.NotContains(t, r.stderr, "panic")

	// break-cancel: a named breakpoint on the cancel path, listed and cleared.
	r = liveTracked(t, "break-cancel "+tHealthChecker, "breakpoints", "break-cancel "+tStubbornFlusher, "break-cancel t:99999")
	require.Equal(t, 1, r.code, r.stderr)
	require.Regexp(t, `(?m)^Breakpoint cancel\d+ set at context\.\(\*cancelCtx\)\.cancel .*: continue stops when goroutine \d+'s context is cancelled \(clear cancel\d+ removes it\)$`, r.stderr)
	require.Regexp(t, `(?m)^\d+\s+context\.\(\*cancelCtx\)\.cancel `, r.stdout)
	require.Contains(t, r.stderr, "error: break-cancel "+tStubbornFlusher+": break on cancel of goroutine")
	require.Contains(t, r.stderr, "no context that can still be cancelled")
	require.Contains(t, r.stderr, "error: break-cancel t:99999: unknown task 99999")
}

func TestTrackerCommandsCore(t *testing.T) {
	exe, core := trackedCore(t)
	args := append([]string{"core", exe, core}, oneShot(append(trackerCommands,
		"cancel -y "+tConfigReloader, "break-cancel "+tHealthChecker)...)...)
	r := run(t, "", nil, args...)
	require.Equal(t, 1, r.code, r.stderr)
	checkTrackerCommands(t, r)
	require.Contains(t, r.stderr, "error: cancel -y "+tConfigReloader+": not possible on a core dump")
	require.Contains(t, r.stderr, "error: break-cancel "+tHealthChecker+": not possible on a core dump")
}

func TestTrackerCommandsJSON(t *testing.T) {
	exe, core := trackedCore(t)
	for cmd, check := range map[string]func(t *testing.T, doc any){
		"ps-terminated --json -outcome error": func(t *testing.T, doc any) {
			d := doc.(map[string]any)
			terms := d["terminated"].([]any)
			require.NotEmpty(t, terms)
			found := false
			for _, e := range terms {
				e := e.(map[string]any)
				require.Equal(t, "error", e["outcome"])
				if e["task"].(map[string]any)["name"] == "event-watcher" {
					found = true
					require.Equal(t, "watch stream closed: EOF", e["text"])
					require.Equal(t, true, e["preserved"])
				}
			}
			require.True(t, found)
		},
		"where-terminated --json " + tChainGrandExited: func(t *testing.T, doc any) {
			d := doc.(map[string]any)
			require.Equal(t, "cancelled", d["termination"].(map[string]any)["outcome"])
			hops := d["cancel_chain"].([]any)
			require.Len(t, hops, 3)
			last := hops[2].(map[string]any)
			require.Equal(t, "cancel", last["how"])
			require.Equal(t, "disk full", last["cause"])
			require.Equal(t, "main.shutdown", last["stack"].([]any)[0].(map[string]any)["function"])
		},
		"cancel-chain --json " + tStubbornFlusher: func(t *testing.T, doc any) {
			d := doc.(map[string]any)
			require.Equal(t, "stubborn-flusher", d["task"].(map[string]any)["name"])
			require.Len(t, d["hops"].([]any), 3)
		},
		"ps -cancelled --json": func(t *testing.T, doc any) {
			ss := doc.([]any)
			require.Len(t, ss, 1)
			require.Equal(t, "stubborn-flusher", ss[0].(map[string]any)["task"].(map[string]any)["name"])
		},
		"ps --json -user": func(t *testing.T, doc any) {
			tasks := 0
			for _, g := range doc.([]any) {
				if task, ok := g.(map[string]any)["task"].(map[string]any); ok {
					tasks++
					require.Contains(t, task, "created")
					require.Contains(t, task, "group")
				}
			}
			require.Greater(t, tasks, 10)
		},
		"pstree -tasks --json": func(t *testing.T, doc any) {
			require.NotEmpty(t, doc.(map[string]any)["groups"])
		},
	} {
		t.Run(cmd, func(t *testing.T) {
			r := run(t, "", nil, "core", exe, core, "-c", cmd)
			require.Equal(t, 0, r.code, r.stderr)
			var doc any
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), r.stdout)
			check(t, doc)
		})
	}
}

func TestTrackerCommandsWithoutTracker(t *testing.T) {
	exe, core, _ := zooCore(t)
	const noTracker = "the target does not use the tracker (github.com/dlv-tasks/dlv-tasks/tracker)"
	r := run(t, "", nil, append([]string{"core", exe, core}, oneShot("ps-terminated", "where-terminated t:1", "cancel-chain t:1", "cancel -y t:1", "cc 1", "ps -cancelled")...)...)
	require.Equal(t, 1, r.code)
	for _, c := range []string{"where-terminated t:1", "cancel-chain t:1"} {
		require.Contains(t, r.stderr, "error: "+c+": "+noTracker)
	}
	// ps-terminated falls back to the runtime's partial history: the zoo's
	// last goroutine exits at once and nothing reuses its runtime.g.
	require.NotContains(t, r.stderr, "error: ps-terminated")
	require.Contains(t, r.stdout, "The target does not use the tracker: no record of how tasks ended.")
	require.Regexp(t, `(?m)^\d+ exited goroutines \(showing \d+\) — partial history`, r.stdout)
	require.Regexp(t, `(?m)^\d+\s+1\s+main\.lastWords\s+main\.main zoo/main\.go:\d+$`, r.stdout)
	require.Contains(t, r.stderr, "error: cancel -y t:1: not possible on a core dump")
	require.Contains(t, r.stdout, "Goroutine 1: ")
	require.Contains(t, r.stdout, "in its frames (without the tracker")
	require.Contains(t, r.stdout, "goroutines still running after their contexts were cancelled")
}
