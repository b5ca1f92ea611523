package main

import (
	"encoding/json"
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
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	var stops []int
	var n int
	var d string
	for i, l := range lines {
		if m := regexp.MustCompile(`^> goroutine \d+ stopped at main\.runReportJob \S+main\.go:(\d+)`).FindStringSubmatch(l); m != nil {
			line, _ := strconv.Atoi(m[1])
			stops = append(stops, line)
			if len(stops) == 1 && i+2 < len(lines) {
				n, _ = strconv.Atoi(lines[i+1])
				d = lines[i+2]
			}
		}
	}
	require.Len(t, stops, 2, "expected a breakpoint stop and a step stop in:\n%s\n%s", res.stdout, res.stderr)
	require.Greater(t, n, 3, "the condition n > 3 did not hold at the stop")
	require.Greater(t, stops[1], stops[0], "next did not move to a later line")
	require.NotContains(t, d, "tracker", "a duration of the demo is named after a tracker constant")
	require.Contains(t, d, "1000000000", "print d")
}
