package dlvclient_test

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// unoptimizedTracker builds the tracker package without optimizations:
// Delve calls only unoptimized functions.
const unoptimizedTracker = "-gcflags=github.com/dlv-tasks/dlv-tasks/tracker=-N -l"

func TestCancelTask(t *testing.T) {
	exe := testutil.BuildTargetFlags(t, "trackcancel", unoptimizedTracker)
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()

	ids := taskIDs(t, s)
	require.Contains(t, ids, "victim")
	require.Contains(t, ids, "bystander")
	require.Contains(t, ids, "plain")
	require.Contains(t, ids, "sibling")

	// The walk goes through the tracker's task and context types (the task keeps its
	// pprof labels itself: no valueCtx between it and its parent).
	victimGID := goroutineAt(t, s, "main.main.waiter.func1")
	chains, err := s.Contexts(victimGID)
	require.NoError(t, err)
	c := chainFor(t, chains, "main.main.waiter.func1", "ctx")
	require.Equal(t, []string{
		"*github.com/dlv-tasks/dlv-tasks/tracker.task",
		"*github.com/dlv-tasks/dlv-tasks/tracker.trackedCtx", "*context.cancelCtx", "context.backgroundCtx",
	}, types(c.Path))
	require.Equal(t, -1, c.Cancelled)

	// Right after attach no goroutine is at a safe point: CancelTask runs the
	// target to one (main.tick calls time.Now every 5 ms).
	ok, err := s.CancelTask(ids["victim"])
	require.NoError(t, err)
	require.True(t, ok)
	st, err := s.State()
	require.NoError(t, err)
	t.Logf("called at %s in goroutine %d", st.Location.Function, st.GoroutineID)

	// The context is cancelled, with the debugger's cause: the sibling task,
	// started from the same tracker context and ignoring it, shows it (the
	// victim itself may have returned already: the target runs during the
	// injected call).
	chains, err = s.Contexts(goroutineAt(t, s, "main.sibling"))
	require.NoError(t, err)
	sc := chainFor(t, chains, "main.sibling", "ctx")
	require.Equal(t, 2, sc.Cancelled)
	require.Equal(t, c.Path[2].Addr, sc.Path[2].Addr, "the victim's context")
	require.Equal(t, "context canceled", sc.Path[2].Err)
	require.Equal(t, "tracker: cancelled from the debugger", sc.Path[2].Cause)

	// The task returns once the target runs; the bystander does not.
	runUntilStderr(t, s, tg, "task victim returned: tracker: cancelled from the debugger")
	require.NotContains(t, string(tg.Stderr()), "bystander")

	// Refusals: a task without a tracker context, an unknown task, a task
	// already cancelled (it has ended).
	for _, id := range []uint64{ids["plain"], 999999, ids["victim"]} {
		ok, err = s.CancelTask(id)
		require.NoError(t, err)
		require.False(t, ok, "task %d", id)
	}

	// Stopped at a breakpoint in user code: the call happens right there.
	bp, err := s.Break("main.tick", "")
	require.NoError(t, err)
	st, err = s.Continue()
	require.NoError(t, err)
	require.Equal(t, "main.tick", st.Location.Function)
	_, err = s.ClearBreakpoint(strconv.Itoa(bp.ID))
	require.NoError(t, err)
	ok, err = s.CancelTask(ids["bystander"])
	require.NoError(t, err)
	require.True(t, ok)
	after, err := s.State()
	require.NoError(t, err)
	require.Equal(t, "main.tick", after.Location.Function, "no detour to a safe point")
	runUntilStderr(t, s, tg, "task bystander returned: tracker: cancelled from the debugger")
}

func TestCancelTaskOptimizedTracker(t *testing.T) {
	exe := testutil.BuildTarget(t, "trackcancel")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.CancelTask(taskIDs(t, s)["victim"])
	require.ErrorIs(t, err, dlvclient.ErrOptimizedTracker)
}

func TestCancelRefusedOnCore(t *testing.T) {
	exe := testutil.BuildTargetFlags(t, "trackcancel", unoptimizedTracker)
	core, _ := testutil.CrashCore(t, exe, nil, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.CancelTask(1)
	require.ErrorIs(t, err, dlvclient.ErrNotLive)
	_, err = s.BreakOnCancel(1)
	require.ErrorIs(t, err, dlvclient.ErrNotLive)
}

// The linker keeps the hook in an ordinary (optimized) build.
func TestTrackerCancelHookLinked(t *testing.T) {
	exe := testutil.BuildTarget(t, "trackcancel")
	out, err := exec.Command("go", "tool", "nm", exe).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), " T "+dlvclient.TrackerCancelHook+"\n")
}
