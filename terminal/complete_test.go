package terminal

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

func TestComplete(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, _ := testutil.CrashCore(t, exe, []string{"-n", "2"}, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	term := New(s, io.Discard, io.Discard)

	require.Equal(t, []string{"pst", "pstree"}, term.Complete("pst"))
	require.Contains(t, term.Complete("ps-"), "ps-terminated")
	require.Contains(t, term.Complete("p"), "ps")
	require.Contains(t, term.Complete("ps -gr"), "ps -group")
	require.Contains(t, term.Complete("where -"), "where -json")
	require.Contains(t, term.Complete("ps -user -group "), "ps -user -group origin")
	require.Equal(t, []string{"ps -group start", "ps -group stack"}, term.Complete("ps -group st"))

	// Goroutine ids come only from a listing already made: completion never
	// reads the target.
	require.Empty(t, term.Complete("where "))
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	ids := term.Complete("where ")
	require.NotEmpty(t, ids)
	require.LessOrEqual(t, len(ids), maxCompletedIDs)
	require.Equal(t, "where "+strconv.FormatInt(snap.Goroutines[0].ID, 10), ids[0])
	for _, c := range term.Complete("where 2") {
		require.Regexp(t, `^where 2\d*$`, c)
	}
	// Without the tracker, no task ids.
	require.Empty(t, term.Complete("wt t:"))
}

func TestTaskCompletions(t *testing.T) {
	tr := &model.Tracker{
		Live:       []model.Task{{ID: 12}, {ID: 3}},
		Terminated: []model.Termination{{Task: model.Task{ID: 1}}, {Task: model.Task{ID: 12}}, {Task: model.Task{ID: 15}}},
	}
	require.Equal(t, []string{"cc t:12", "cc t:3", "cc t:1", "cc t:15"}, taskCompletions(tr, "cc ", "t", 10))
	require.Equal(t, []string{"cc t:12", "cc t:1", "cc t:15"}, taskCompletions(tr, "cc ", "t:1", 10))
	require.Equal(t, []string{"wt t:12", "wt t:3"}, taskCompletions(tr, "wt ", "", 2))
	require.Empty(t, taskCompletions(tr, "wt ", "4", 10))
	require.Empty(t, taskCompletions(nil, "wt ", "t:", 10))
}
