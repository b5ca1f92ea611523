package main

import (
	"path/filepath"

	"encoding/json"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDemoOutsideCheckout runs the demo from a directory that is no
// dlv-tasks checkout, as an installed binary is run: its sources travel
// inside the binary.
func TestDemoOutsideCheckout(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(dlvTasks(t), "demo", "-c", "ps -user -group creation --json")
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	var groups []struct {
		Key   string `json:"key"`
		Count int    `json:"count"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout.String()), &groups), stdout.String())
	found := false
	for _, g := range groups {
		if strings.HasPrefix(g.Key, "main.reportScheduler ") {
			found = g.Count >= 1
		}
	}
	require.True(t, found, "no goroutines created by main.reportScheduler in %s", stdout.String())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "demo left files in the working directory")
}

// TestDemoSteps checks that the demo can be stepped as README shows: a
// conditional breakpoint on the periodic job stops where the condition
// holds, its arguments print with their own types, and next moves a line.
func TestDemoSteps(t *testing.T) {
	res := run(t, "", nil, "demo",
		"-c", "break main.runReportJob n > 3", "-c", "continue", "-c", "print n", "-c", "print d", "-c", "next")
	require.Equal(t, 0, res.code, res.stderr)
	var stops []int
	for _, l := range strings.Split(res.stderr, "\n") {
		if m := regexp.MustCompile(`^> goroutine \d+ stopped at main\.runReportJob \S+main\.go:(\d+)`).FindStringSubmatch(l); m != nil {
			line, _ := strconv.Atoi(m[1])
			stops = append(stops, line)
		}
	}
	require.Len(t, stops, 2, "expected a breakpoint stop and a step stop in:\n%s", res.stderr)
	// stdout holds the two values printed, and nothing else.
	values := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.Len(t, values, 2, "stdout: %q", res.stdout)
	n, _ := strconv.Atoi(values[0])
	d := values[1]
	require.Greater(t, n, 3, "the condition n > 3 did not hold at the stop")
	require.Greater(t, stops[1], stops[0], "next did not move to a later line")
	require.NotContains(t, d, "tracker", "a duration of the demo is named after a tracker constant")
	require.Contains(t, d, "1000000000", "print d")
}

// TestOneShotStdoutIsClean runs the issue's own pipeline: a target that
// prints, a breakpoint, a continue and ps --json. stdout must be one JSON
// document; the breakpoint and stop notes and the target's own output go to
// stderr, or with --redirect to a file.
func TestOneShotStdoutIsClean(t *testing.T) {
	exe := testutil.BuildTarget(t, "exits") // prints READY after main.ready, then exits
	args := []string{"exec", "-c", "break main.ready", "-c", "continue", "-c", "ps -user -limit 2 --json", "-c", "continue", exe}
	res := run(t, "", nil, args...)
	require.Equal(t, 0, res.code, res.stderr)
	var gs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &gs), "stdout is not one JSON document:\n%s", res.stdout)
	require.NotEmpty(t, gs)
	require.Contains(t, res.stderr, "Process exited with status 3")
	require.Contains(t, res.stderr, "Breakpoint 1 set at main.ready")
	require.Contains(t, res.stderr, "stopped at main.ready")
	require.Contains(t, res.stderr, "READY ", "the target's own stdout goes to stderr")

	out := filepath.Join(t.TempDir(), "target.out")
	res = run(t, "", nil, append([]string{"exec", "--redirect", out}, args[1:]...)...)
	require.Equal(t, 0, res.code, res.stderr)
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &gs), res.stdout)
	require.NotContains(t, res.stderr, "READY ")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(data), "READY ", "--redirect did not receive the target's output")
}

// TestCommandsAtTheEntryPoint: exec stops before the runtime has started;
// reading commands say so and what to do, and work once it has.
func TestCommandsAtTheEntryPoint(t *testing.T) {
	exe := testutil.BuildTarget(t, "exits")
	res := run(t, "", nil, "exec", "-c", "ps", "-c", "pstree", "-c", "break main.main", "-c", "continue", "-c", "ps -limit 1", exe)
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "error: ps: the Go runtime has not started yet (the target is stopped at its entry point): run it into main first, e.g. break main.main, then continue")
	require.Contains(t, res.stderr, "error: pstree: the Go runtime has not started yet")
	require.NotContains(t, res.stderr, "can not index")
	require.Contains(t, res.stdout, "showing the first 1 (-limit 1)", "ps works once the runtime runs")
}
