package dlvclient_test

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// longAge is how long testdata/longwait's workers are blocked before it is
// ready: over a minute, so that the runtime prints "1 minutes".
const longAge = 65 * time.Second

// TestLongWaitsMatchRuntimeTraceback reads goroutines blocked for over a
// minute (one target, waited for once): live, the wait is measured to the
// host's CLOCK_MONOTONIC; from a Delve dump and from the kernel core of the
// crash, to the latest clock reading the memory holds, a lower bound named
// with its source. Each says the runtime's minutes, and `-min-wait 1m`
// selects exactly the goroutines the runtime says waited a minute.
//
// The targets of every toolchain age side by side; they are read one at a
// time. The test runs in parallel with the other waiting one
// (TestIdleCoreWaitsMatchRuntimeTraceback): their minutes pass together.
func TestLongWaitsMatchRuntimeTraceback(t *testing.T) {
	t.Parallel()
	exes, tgs := startPerToolchain(t, "longwait", []string{"-age", longAge.String()}, longAge+2*time.Minute)
	for i, tc := range toolchains {
		t.Run(tc.name, func(t *testing.T) { testLongWaits(t, exes[i], tgs[i]) })
	}
}

// startPerToolchain builds target with every toolchain and starts one
// process of each at once (they age side by side), with cores on.
func startPerToolchain(t *testing.T, target string, args []string, ready time.Duration) ([]string, []*testutil.Target) {
	t.Helper()
	var exes []string
	var specs []testutil.TargetSpec
	for _, tc := range toolchains {
		exe := testutil.BuildTargetWith(t, target, testutil.BuildOptions{Toolchain: tc.toolchain})
		exes = append(exes, exe)
		specs = append(specs, testutil.TargetSpec{Exe: exe, Args: args, Env: []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1"},
			Options: testutil.StartOptions{ReadyTimeout: ready, Cores: true}})
	}
	return exes, testutil.StartTracedTargets(t, specs...)
}

func testLongWaits(t *testing.T, exe string, tg *testutil.Target) {

	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	live, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	dump := filepath.Join(t.TempDir(), "delve.core")
	require.NoError(t, s.Dump(dump))
	require.NoError(t, s.Close())
	text := crashLive(t, tg)
	kernelCore, err := tg.Core()
	require.NoError(t, err)
	tb := parseTraceback(t, text)

	var stuck []int64 // what the runtime says waited a minute or more
	for id, g := range tb {
		if g.Minutes >= 1 {
			stuck = append(stuck, id)
		}
	}
	sort.Slice(stuck, func(i, j int) bool { return stuck[i] < stuck[j] })
	require.GreaterOrEqual(t, len(stuck), 5, "the five workers waited over a minute")

	check := func(t *testing.T, snap *model.Snapshot, lowerBound bool) {
		t.Logf("clock: %+v", snap.Clock)
		require.Equal(t, lowerBound, snap.Clock.LowerBound)
		require.NotEmpty(t, snap.Clock.Source)
		compareSnapshot(t, snap, tb)
		for _, id := range stuck {
			g := snap.Goroutine(id)
			require.NotNil(t, g)
			require.Equalf(t, tb[id].Minutes, int(g.Waited/time.Minute), "goroutine %d waited %v", id, g.Waited)
			require.GreaterOrEqual(t, g.Waited, longAge-time.Second, "goroutine %d", id)
			require.Equal(t, lowerBound, g.WaitedAtLeast)
		}
		var selected []int64
		for _, g := range chains.Select(snap.Goroutines, chains.Filter{MinWait: time.Minute}) {
			selected = append(selected, g.ID)
		}
		require.Equal(t, stuck, selected, "-min-wait 1m")
	}
	t.Run("live", func(t *testing.T) {
		require.Equal(t, "CLOCK_MONOTONIC", live.Clock.Source)
		check(t, live, false)
	})
	for name, core := range map[string]string{"delve-dump": dump, "kernel-core": kernelCore} {
		t.Run(name, func(t *testing.T) {
			c, err := dlvclient.OpenCore(exe, core)
			require.NoError(t, err)
			defer c.Close()
			snap, err := c.Snapshot(context.Background(), nil)
			require.NoError(t, err)
			check(t, snap, true)
		})
	}
}

// idleFor is how long testdata/longwait -age 0 lies idle before it is made
// to crash: over a minute, so that the runtime prints "1 minutes", and under
// the two minutes after which a forced GC reads the clock again.
const idleFor = 80 * time.Second

// TestIdleCoreWaitsMatchRuntimeTraceback crashes a target that has been
// idle since its workers blocked: nothing but the runtime's system monitor
// reads the clock then, so the core's other readings (the last GC, the
// last poll, the Ps' stamps) are as old as the wait itself and a wait
// measured to them said "≥1ms" where the runtime printed "1 minutes". The
// wait must be a range from sysmon's last wake to its next one, holding the
// runtime's minutes, and say so.
func TestIdleCoreWaitsMatchRuntimeTraceback(t *testing.T) {
	t.Parallel()
	exes, tgs := startPerToolchain(t, "longwait", []string{"-age", "0"}, 0)
	time.Sleep(idleFor) // the phenomenon is time passing with nothing to do: there is no event to wait for
	for i, tc := range toolchains {
		t.Run(tc.name, func(t *testing.T) { testIdleCoreWaits(t, exes[i], tgs[i]) })
	}
}

func testIdleCoreWaits(t *testing.T, exe string, tg *testutil.Target) {
	text := crashLive(t, tg)
	core, err := tg.Core()
	require.NoError(t, err)
	tb := parseTraceback(t, text)
	c, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer c.Close()
	snap, err := c.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	t.Logf("clock: %+v", snap.Clock)
	require.True(t, snap.Clock.LowerBound)
	require.Greater(t, snap.Clock.Before, snap.Clock.Now, "sysmon's next wake bounds the moment of the crash")
	require.NotEmpty(t, snap.Clock.BeforeSource)
	compareSnapshot(t, snap, tb)
	stuck := 0
	for _, g := range snap.Goroutines {
		if tb[g.ID].Minutes < 1 {
			continue
		}
		stuck++
		require.Greaterf(t, g.WaitedAtMost, g.Waited, "goroutine %d", g.ID)
		// sysmon woke a minute into the idle time: the lower end is
		// the runtime's minute (ps -min-wait 1m selects it).
		require.GreaterOrEqualf(t, g.Waited, time.Minute, "goroutine %d", g.ID)
		require.Equal(t, render.HumanDuration(g.Waited)+"–"+render.HumanDuration(g.WaitedAtMost), render.GoroutineWaitText(&g))
	}
	require.GreaterOrEqual(t, stuck, 5, "the five workers waited over a minute")
	require.Contains(t, render.WaitNote(snap.Goroutines, snap.Clock), snap.Clock.BeforeSource)
}
