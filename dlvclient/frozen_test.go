package dlvclient_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// snapshotTargets are the programs a low-pause snapshot is compared on with
// a full attach of the same process. Each parks its goroutines before READY
// and changes nothing after it (tracked with no report jobs).
var snapshotTargets = []struct {
	name string
	args []string
}{
	{"many", []string{"-n", "3000"}},
	{"zoo", zooArgs},
	{"deepstack", nil},
	{"tracked", []string{"-jobs", "0", "-period", "1h"}},
}

// TestAttachSnapshotMatchesAttach takes a low-pause snapshot of a live
// target, checks that the target runs on, then attaches Delve to the same
// process: both give the same user goroutines (every field), the same
// stacks and the same tracker records.
func TestAttachSnapshotMatchesAttach(t *testing.T) {
	for _, tc := range snapshotTargets {
		t.Run(tc.name, func(t *testing.T) {
			exe := testutil.BuildTarget(t, tc.name)
			tg := testutil.StartTracedTarget(t, exe, tc.args, nil)

			snapSession, err := dlvclient.AttachSnapshot(tg.Pid)
			require.NoError(t, err)
			stats, ok := snapSession.SnapshotStats()
			require.True(t, ok)
			require.Positive(t, stats.Pause)
			require.Positive(t, stats.Copied)
			require.NotEqual(t, "t", procState(t, tg.Pid), "the target runs on after the snapshot")
			snap, err := snapSession.Snapshot(context.Background(), nil)
			require.NoError(t, err)
			require.Equal(t, dlvclient.KindSnapshot, snap.Target.Kind)
			require.Equal(t, "CLOCK_MONOTONIC at the snapshot", snap.Clock.Source)
			require.False(t, snap.Clock.LowerBound)
			ids := userIDs(snap)
			snapStacks := snapSession.Stacks(context.Background(), ids, model.DefaultStackDepth)
			snapTracker, err := snapSession.Tracker(context.Background())
			require.NoError(t, err)
			require.NoError(t, snapSession.TrackerError())
			require.NoError(t, snapSession.Close())
			_, err = os.Stat(dumpPath(t, tg.Pid))
			require.True(t, os.IsNotExist(err), "Close removes the copy")

			full, err := dlvclient.Attach(tg.Pid)
			require.NoError(t, err)
			defer full.Close()
			want, err := full.Snapshot(context.Background(), nil)
			require.NoError(t, err)
			wantStacks := full.Stacks(context.Background(), ids, model.DefaultStackDepth)
			wantTracker, err := full.Tracker(context.Background())
			require.NoError(t, err)

			require.Equal(t, userIDs(want), ids, "user goroutines")
			byID := map[int64]model.Goroutine{}
			for _, g := range want.Goroutines {
				byID[g.ID] = g
			}
			for _, g := range snap.Goroutines {
				w, ok := byID[g.ID]
				if !ok || g.System {
					continue
				}
				where := fmt.Sprintf("goroutine %d", g.ID)
				require.Equal(t, w.Status, g.Status, where)
				require.Equal(t, w.WaitReason, g.WaitReason, where)
				require.Equal(t, w.ParentID, g.ParentID, where)
				require.Equal(t, w.CurrentLocation, g.CurrentLocation, where)
				require.Equal(t, w.Location, g.Location, where)
				require.Equal(t, w.GoStatement, g.GoStatement, where)
				require.Equal(t, w.Start, g.Start, where)
				require.Equal(t, w.Labels, g.Labels, where)
				require.Equal(t, w.Task, g.Task, where)
				require.Empty(t, g.Unreadable, where)
				if g.Waited != 0 && w.Waited != 0 {
					// The same waitsince, measured to two clock readings.
					require.Equal(t, time.Duration(want.Clock.Now-snap.Clock.Now), w.Waited-g.Waited, where+" waited")
				}
				require.Equal(t, wantStacks[g.ID], snapStacks[g.ID], where+" stack")
			}
			if wantTracker == nil {
				require.Nil(t, snapTracker)
				return
			}
			require.NotNil(t, snapTracker)
			require.Equal(t, wantTracker.Live, snapTracker.Live, "live tasks")
			require.Equal(t, wantTracker.Terminated, snapTracker.Terminated, "terminated tasks")
			require.Equal(t, wantTracker.Cancellations, snapTracker.Cancellations, "cancellations")
			require.Empty(t, snapTracker.Problems)
		})
	}
}

// TestAttachSnapshotRefuses: a process already traced (by Delve here) is
// refused with one clear error, and left as it was.
func TestAttachSnapshotRefusesTracedProcess(t *testing.T) {
	exe := testutil.BuildTarget(t, "many")
	tg := testutil.StartTracedTarget(t, exe, []string{"-n", "10"}, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	_, err = dlvclient.AttachSnapshot(tg.Pid)
	require.Error(t, err)
	require.Contains(t, err.Error(), "already traced")
	_, err = s.Snapshot(context.Background(), nil)
	require.NoError(t, err, "the debugger's session is unharmed")
}

func userIDs(s *model.Snapshot) []int64 {
	var out []int64
	for _, g := range s.Goroutines {
		if !g.System {
			out = append(out, g.ID)
		}
	}
	return out
}

func procState(t *testing.T, pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	require.Positive(t, i)
	return strings.Fields(s[i+1:])[0]
}

// dumpPath is a pattern check: no copy of pid is left in the temporary
// directory.
func dumpPath(t *testing.T, pid int) string {
	entries, err := os.ReadDir(os.TempDir())
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), fmt.Sprintf("dlv-tasks-snapshot-%d-", pid)) {
			return os.TempDir() + "/" + e.Name()
		}
	}
	return os.TempDir() + "/dlv-tasks-snapshot-none"
}
