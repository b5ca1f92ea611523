package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// TestStacksFromPprofURL reads a live service's /debug/pprof/goroutine page
// over loopback: ?debug=2 is added to the URL, and the page gives every
// worker with its labels, its creator and its parent.
func TestStacksFromPprofURL(t *testing.T) {
	const workers = 7
	exe := testutil.BuildTarget(t, "pprofserver")
	addrFile := filepath.Join(t.TempDir(), "addr")
	testutil.StartTarget(t, exe, []string{"-workers", strconv.Itoa(workers), "-addr-file", addrFile}, []string{"GODEBUG=tracebacklabels=1"})
	addr, err := os.ReadFile(addrFile)
	require.NoError(t, err)

	url := "http://" + string(addr) + "/debug/pprof/goroutine"
	r := run(t, "", nil, "stacks", url, "-c", "ps -json")
	require.Equal(t, 0, r.code, r.stderr)
	var gs []model.Goroutine
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &gs))

	byID := map[int64]model.Goroutine{}
	for _, g := range gs {
		byID[g.ID] = g
	}
	var dispatcher int64
	for _, g := range gs {
		if g.Start.Function == "main.dispatcher" {
			dispatcher = g.ID
		}
	}
	require.NotZero(t, dispatcher, "the dispatcher goroutine is on the page")
	seen := map[string]bool{}
	for _, g := range gs {
		if g.Start.Function != "main.worker" {
			continue
		}
		require.Equal(t, dispatcher, g.ParentID, "worker %d's parent", g.ID)
		require.Equal(t, "main.dispatcher", g.GoStatement.Function)
		require.Equal(t, "ingest", g.Labels["queue"])
		seen[g.Labels["worker"]] = true
	}
	require.Len(t, seen, workers, "every worker, each with its own label")
	require.Equal(t, int64(1), byID[dispatcher].ParentID)

	// The goroutine serving the page was running: it is on the page too.
	running := false
	for _, g := range gs {
		running = running || g.Status == model.StatusRunning
	}
	require.True(t, running)

	// An explicit debug=1 is kept, and that format is refused with a reason.
	r = run(t, "", nil, "stacks", url+"?debug=1", "-c", "ps")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "debug=2")
}
