package dlvclient_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestCancelTaskIntoBreakCancel cancels a task whose context is watched by a
// break-cancel breakpoint: the injected call stops at that breakpoint, in the
// cancel path, and CancelTask says so instead of reporting a bad result.
func TestCancelTaskIntoBreakCancel(t *testing.T) {
	exe := testutil.BuildTargetFlags(t, "trackcancel", unoptimizedTracker)
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()

	ids := taskIDs(t, s)
	victim := goroutineAt(t, s, "main.main.waiter.func1")
	bp, err := s.BreakOnCancel(victim)
	require.NoError(t, err)

	_, err = s.CancelTask(ids["victim"])
	require.Error(t, err)
	require.True(t, errors.Is(err, dlvclient.ErrCallInterrupted), "got %v", err)
	require.ErrorContains(t, err, bp.Name)
	require.ErrorContains(t, err, "continue to let it finish")

	// Stopped inside the cancel path, on the goroutine running the call.
	frames, err := s.Stack(-1, 64)
	require.NoError(t, err)
	require.Equal(t, "context.(*cancelCtx).cancel", frames[0].Function)

	// The first continue finishes the injected call, and Delve stops where
	// it was injected; running on, the victim returns.
	_, err = s.ClearBreakpoint(bp.Name)
	require.NoError(t, err)
	st, err := s.Continue()
	require.NoError(t, err)
	t.Logf("after the call: goroutine %d at %s", st.GoroutineID, st.Location.Function)
	runUntilStderr(t, s, tg, "task victim returned: tracker: cancelled from the debugger")
}
