package dlvclient_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestUserSizesBounded gives a live session the sizes that used to go
// straight into Delve's allocations (where -depth 99999999999 exhausted
// memory and killed dlv-tasks while attached): each is refused with an
// error naming the limit, and the session keeps working.
func TestUserSizesBounded(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTracedTarget(t, exe, []string{"-n", "1"}, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.NotNil(t, snap.Goroutine(1))

	const huge = 99999999999
	_, err = s.Stack(1, huge)
	require.ErrorIs(t, err, dlvclient.ErrLimit)
	require.EqualError(t, err, "stack depth 99999999999: beyond dlv-tasks' limit (1 to 10000)")
	_, err = s.Stack(1, -1)
	require.ErrorIs(t, err, dlvclient.ErrLimit)

	_, err = s.Eval(1, huge, "1")
	require.ErrorIs(t, err, dlvclient.ErrLimit)
	require.Contains(t, err.Error(), "frame 99999999999: beyond dlv-tasks' limit (0 to 10000)")
	_, err = s.Eval(1, -1, "1")
	require.ErrorIs(t, err, dlvclient.ErrLimit)

	_, _, err = s.Ancestors(1, huge, 16)
	require.ErrorIs(t, err, dlvclient.ErrLimit)
	_, _, err = s.Ancestors(1, 10, huge)
	require.ErrorIs(t, err, dlvclient.ErrLimit)

	// The largest allowed sizes work and the session is intact.
	frames, err := s.Stack(1, dlvclient.MaxStackDepth)
	require.NoError(t, err)
	require.Equal(t, "runtime.gopark", frames[0].Function)
	v, err := s.Eval(1, 0, "1+1")
	require.NoError(t, err)
	require.Equal(t, "2", v)
}
