package dlvclient_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

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

// zooArgs make the zoo target big enough to be interesting and small enough
// to crash quickly.
var zooArgs = []string{"-n", "6"}

// compareWithTraceback checks a snapshot against the runtime's own crash
// traceback of the same process: the same goroutine ids, and for each one the
// same parent id, creator function and state or wait reason.
func compareWithTraceback(t *testing.T, snap *model.Snapshot, text []byte) {
	t.Helper()
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	require.NotEmpty(t, tb)

	var tbIDs, ourIDs []int64
	for id := range tb {
		tbIDs = append(tbIDs, id)
	}
	for _, g := range snap.Goroutines {
		ourIDs = append(ourIDs, g.ID)
	}
	sort.Slice(tbIDs, func(i, j int) bool { return tbIDs[i] < tbIDs[j] })
	require.Equal(t, tbIDs, ourIDs, "goroutine ids: runtime traceback vs dlv-tasks")

	checkedParents := 0
	for _, g := range snap.Goroutines {
		want := tb[g.ID]
		require.Equalf(t, want.ParentID, g.ParentID, "goroutine %d parent (traceback header %q)", g.ID, want.Header)
		if want.ParentID != 0 {
			checkedParents++
		}
		require.Equalf(t, want.CreatedBy, g.GoStatement.Function, "goroutine %d creator", g.ID)
		if want.CreatedBy != "" {
			require.Equalf(t, want.CreatedAt.Line, g.GoStatement.Line, "goroutine %d go statement line", g.ID)
		}
		require.Equalf(t, want.State, ourState(g), "goroutine %d state (traceback header %q)", g.ID, want.Header)
	}
	require.Greater(t, checkedParents, 10, "the zoo has many goroutines with parents")
	compareStarts(t, snap, tb)
}

// compareStarts checks each goroutine's start function against its stack in
// the traceback: the function just above the go-statement wrapper
// (caller.gowrapN) when there is one, else the outermost frame before
// runtime.goexit.
func compareStarts(t *testing.T, snap *model.Snapshot, tb map[int64]testutil.TracebackGoroutine) {
	t.Helper()
	wrapped := 0
	for _, g := range snap.Goroutines {
		frames := tb[g.ID].Frames
		if tb[g.ID].Elided || len(frames) < 2 || frames[len(frames)-1].Function != "runtime.goexit" {
			continue
		}
		want := frames[len(frames)-2].Function
		for i := len(frames) - 2; i > 0; i-- {
			if strings.Contains(frames[i].Function, ".gowrap") {
				want = frames[i-1].Function
				wrapped++
				break
			}
		}
		want = strings.TrimSuffix(want, "[...]")
		require.Equalf(t, want, g.Start.Function, "goroutine %d start function (traceback header %q)", g.ID, tb[g.ID].Header)
	}
	require.Greater(t, wrapped, 5, "the zoo starts goroutines through go-statement wrappers")
}

// ourState is what the runtime prints between brackets for g.
func ourState(g model.Goroutine) string {
	if g.Status == model.StatusWaiting {
		return g.WaitReason
	}
	if g.Status == model.StatusLeaked && g.WaitReason != "" {
		return "leaked"
	}
	return g.Status
}

func TestKernelCoreMatchesRuntimeTraceback(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, text := testutil.CrashCore(t, exe, zooArgs, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	require.False(t, s.Live())
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	compareWithTraceback(t, snap, text)

	// Labels set by pprof.Do are visible, as the traceback prints them.
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	labelled := 0
	for _, g := range snap.Goroutines {
		if want := tb[g.ID].Labels; len(want) > 0 {
			require.Equal(t, want, g.Labels, "goroutine %d labels", g.ID)
			labelled++
		}
	}
	require.Greater(t, labelled, 0)
}

// TestLiveAttachAndDelveDumpMatchRuntimeTraceback attaches to a running
// target, reads it, writes a core through Delve, detaches, then makes the same
// process print its own traceback: the live read and the dump must both agree
// with it.
func TestLiveAttachAndDelveDumpMatchRuntimeTraceback(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTracedTarget(t, exe, zooArgs, []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1"})

	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	require.True(t, s.Live())
	live, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	dump := filepath.Join(t.TempDir(), "delve.core")
	require.NoError(t, s.Dump(dump))
	require.NoError(t, s.Close())

	require.NoError(t, syscall.Kill(tg.Pid, syscall.SIGQUIT))
	select {
	case <-tg.Exited():
	case <-time.After(time.Minute):
		t.Fatal("target did not die of SIGQUIT")
	}
	text := tg.Stderr()
	compareWithTraceback(t, live, text)

	d, err := dlvclient.OpenCore(exe, dump)
	require.NoError(t, err)
	defer d.Close()
	fromDump, err := d.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	compareWithTraceback(t, fromDump, text)
}

// TestAncestorsMatchRuntimeTraceback runs the target with
// GODEBUG=tracebackancestors=N: Delve's Ancestors must give, for every
// goroutine, the creators and their creation-time stacks that the runtime's
// own traceback prints as "[originating from goroutine N]".
func TestAncestorsMatchRuntimeTraceback(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, text := testutil.CrashCore(t, exe, zooArgs, []string{"GODEBUG=tracebackancestors=10"})
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)

	checked := 0
	for _, g := range snap.Goroutines {
		want := tb[g.ID].Ancestors
		got, enabled, err := s.Ancestors(g.ID, 10, 64)
		require.NoError(t, err)
		require.True(t, enabled)
		require.Len(t, got, len(want), "goroutine %d ancestors", g.ID)
		for i := range want {
			require.Equal(t, want[i].ID, got[i].ID, "goroutine %d ancestor %d", g.ID, i)
			require.NotEmpty(t, got[i].Stack)
			require.Equal(t, want[i].Frames[0].Function, got[i].Stack[0].Function, "goroutine %d ancestor %d top frame", g.ID, i)
			require.Equal(t, want[i].Frames[0].Line, got[i].Stack[0].Line, "goroutine %d ancestor %d top frame line", g.ID, i)
		}
		if len(want) >= 2 {
			checked++
		}
	}
	require.Greater(t, checked, 5, "level3 workers have two or more ancestors")

	// Without the GODEBUG setting the runtime keeps none: say so, no error.
	core2, _ := testutil.CrashCore(t, exe, zooArgs, nil)
	s2, err := dlvclient.OpenCore(exe, core2)
	require.NoError(t, err)
	defer s2.Close()
	got, enabled, err := s2.Ancestors(1, 10, 10)
	require.NoError(t, err)
	require.False(t, enabled)
	require.Empty(t, got)
}
