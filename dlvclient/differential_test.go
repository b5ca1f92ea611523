package dlvclient_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-delve/delve/service/debugger"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// differentialTargets are the programs both readers are compared on.
var differentialTargets = []struct {
	name string
	args []string
}{
	{"many", []string{"-n", "2000"}},
	{"zoo", zooArgs},
	{"dispatch", nil},
	{"cgoworld", nil},
	{"inlined", nil},
	{"deepstack", nil},
	{"panics", nil},
	{"spawnhelper", nil},
}

// compareReaders checks that Delve's listing (joined with dlv-tasks'
// corrections) and the runtime reader give the same snapshot: the same
// goroutines, and for each the same status, wait reason, current location,
// user location, go statement, start function, thread, parent, labels and
// flags.
func compareReaders(t *testing.T, listing, runtime *model.Snapshot) {
	t.Helper()
	require.Equal(t, dlvclient.ReaderDelve, listing.Reader)
	require.Equal(t, dlvclient.ReaderRuntime, runtime.Reader)
	require.Empty(t, runtime.ReaderNote, "a sound target")
	ids := func(s *model.Snapshot) []int64 {
		var out []int64
		for _, g := range s.Goroutines {
			out = append(out, g.ID)
		}
		return out
	}
	require.Equal(t, ids(listing), ids(runtime), "goroutine ids: Delve's listing vs the runtime reader")
	for i := range listing.Goroutines {
		a, b := listing.Goroutines[i], runtime.Goroutines[i]
		where := fmt.Sprintf("goroutine %d (%s %s)", a.ID, a.Status, a.WaitReason)
		require.Equal(t, a.Status, b.Status, where+" status")
		require.Equal(t, a.WaitReason, b.WaitReason, where+" wait reason")
		require.Equal(t, a.ParentID, b.ParentID, where+" parent")
		require.Equal(t, a.ThreadID, b.ThreadID, where+" thread")
		require.Equal(t, a.CurrentLocation, b.CurrentLocation, where+" current location")
		require.Equal(t, a.Location, b.Location, where+" user location")
		require.Equal(t, a.GoStatement, b.GoStatement, where+" go statement")
		require.Equal(t, a.Start, b.Start, where+" start")
		require.Equal(t, a.Labels, b.Labels, where+" labels")
		require.Equal(t, a.LabelsIncomplete, b.LabelsIncomplete, where+" labels incomplete")
		require.Equal(t, a.System, b.System, where+" system")
		require.Equal(t, a.CgoCallback, b.CgoCallback, where+" cgo callback")
		// A live target's clock is the host's, read by each reader in
		// turn: wait times differ by the time between the two reads.
		if a.Waited != 0 || b.Waited != 0 {
			require.Equal(t, a.Waited+time.Duration(runtime.Clock.Now-listing.Clock.Now), b.Waited, where+" waited")
		}
		require.Equal(t, a.WaitedAtLeast, b.WaitedAtLeast, where+" waited at least")
	}
	require.Equal(t, listing.Exited, runtime.Exited, "exited goroutines")
	require.Equal(t, listing.Clock.Source, runtime.Clock.Source, "clock source")
	require.Equal(t, listing.Clock.LowerBound, runtime.Clock.LowerBound, "clock bound")
	if listing.Clock.Source != "CLOCK_MONOTONIC" {
		require.Equal(t, listing.Clock.Now, runtime.Clock.Now, "a core's clock")
	}
	t.Logf("%d goroutines and %d exited ones agree", len(runtime.Goroutines), len(runtime.Exited))
}

// TestReadersAgreeOnKernelCores compares both readers on kernel cores.
func TestReadersAgreeOnKernelCores(t *testing.T) {
	for _, tc := range differentialTargets {
		t.Run(tc.name, func(t *testing.T) {
			exe := testutil.BuildTarget(t, tc.name)
			core, _ := testutil.CrashCore(t, exe, tc.args, nil)
			s, err := dlvclient.OpenCore(exe, core)
			require.NoError(t, err)
			defer s.Close()
			listing, err := s.SnapshotBy(context.Background(), dlvclient.ReaderDelve)
			require.NoError(t, err)
			runtime, err := s.SnapshotBy(context.Background(), dlvclient.ReaderRuntime)
			require.NoError(t, err)
			compareReaders(t, listing, runtime)
		})
	}
}

// TestReadersAgreeOnGo127Cores compares both readers on kernel cores of
// targets built with Go 1.27 (another runtime.g layout).
func TestReadersAgreeOnGo127Cores(t *testing.T) {
	for _, tc := range differentialTargets[:4] {
		t.Run(tc.name, func(t *testing.T) {
			exe := testutil.BuildTargetWith(t, tc.name, testutil.BuildOptions{Toolchain: testutil.Go127})
			core, _ := testutil.CrashCore(t, exe, tc.args, nil)
			s, err := dlvclient.OpenCore(exe, core)
			require.NoError(t, err)
			defer s.Close()
			listing, err := s.SnapshotBy(context.Background(), dlvclient.ReaderDelve)
			require.NoError(t, err)
			runtime, err := s.SnapshotBy(context.Background(), dlvclient.ReaderRuntime)
			require.NoError(t, err)
			compareReaders(t, listing, runtime)
		})
	}
}

// TestReadersAgreeLive compares both readers on live targets, stopped by
// attach (both read the same stop).
func TestReadersAgreeLive(t *testing.T) {
	for _, tc := range differentialTargets {
		t.Run(tc.name, func(t *testing.T) {
			exe := testutil.BuildTarget(t, tc.name)
			tg := testutil.StartTracedTarget(t, exe, tc.args, nil)
			s, err := dlvclient.Attach(tg.Pid)
			require.NoError(t, err)
			defer s.Close()
			listing, err := s.SnapshotBy(context.Background(), dlvclient.ReaderDelve)
			require.NoError(t, err)
			runtime, err := s.SnapshotBy(context.Background(), dlvclient.ReaderRuntime)
			require.NoError(t, err)
			compareReaders(t, listing, runtime)
		})
	}
}

// TestReadersAgreeOverConnect compares both readers through a headless
// server attached to a process on this host: the runtime reader reads
// memory with ExamineMemory and symbolizes from the local executable.
func TestReadersAgreeOverConnect(t *testing.T) {
	for _, name := range []string{"zoo", "cgoworld"} {
		t.Run(name, func(t *testing.T) {
			exe := testutil.BuildTarget(t, name)
			var args []string
			if name == "zoo" {
				args = zooArgs
			}
			tg := testutil.StartTracedTarget(t, exe, args, nil)
			addr := startHeadless(t, 2, []string{exe}, debugger.Config{AttachPid: tg.Pid})
			s, err := dlvclient.Connect(addr)
			require.NoError(t, err)
			defer s.Close()
			listing, err := s.SnapshotBy(context.Background(), dlvclient.ReaderDelve)
			require.NoError(t, err)
			runtime, err := s.SnapshotBy(context.Background(), dlvclient.ReaderRuntime)
			require.NoError(t, err)
			compareReaders(t, listing, runtime)
		})
	}
}

// TestConnectWithoutExecutableFallsBack: a headless server of a core has
// no process on this host to take the executable from; the snapshot comes
// from Delve's listing and says so.
func TestConnectWithoutExecutableFallsBack(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, _ := testutil.CrashCore(t, exe, zooArgs, nil)
	addr := startHeadless(t, 2, []string{exe}, debugger.Config{CoreFile: core})
	s, err := dlvclient.Connect(addr)
	require.NoError(t, err)
	defer s.Close()
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, dlvclient.ReaderDelve, snap.Reader)
	require.Contains(t, snap.ReaderNote, "executable is not on this host")
	require.NotEmpty(t, snap.Goroutines)
}
