package dlvclient_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// requireCodeIntact fails if the target's code at Delve's internal
// breakpoint functions differs from its executable (an int3 left in).
func requireCodeIntact(t *testing.T, pid int, exe, when string) {
	t.Helper()
	changes, err := testutil.ChangedCode(pid, exe, testutil.DelveInternalBreakpointFunctions)
	require.NoError(t, err)
	require.Empty(t, changes, "%s: the target's code is not its own", when)
}

// TestNoInt3WhileStopped: while a session sits stopped (after attach, after
// a halt, at a panic), runtime.throw, fatal, fatalpanic and fatalsignal hold
// the executable's bytes; while the target runs Delve's breakpoints are in
// place and still catch an unrecovered panic.
func TestNoInt3WhileStopped(t *testing.T) {
	exe := testutil.BuildTarget(t, "panics")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	requireCodeIntact(t, tg.Pid, exe, "after attach")

	// Run, and halt: the breakpoints are in while it runs, out after.
	done := make(chan dlvclient.State, 1)
	go func() {
		st, err := s.Continue()
		require.NoError(t, err)
		done <- st
	}()
	require.Eventually(t, func() bool {
		changes, err := testutil.ChangedCode(tg.Pid, exe, testutil.DelveInternalBreakpointFunctions)
		return err == nil && len(changes) > 0
	}, 20*time.Second, 10*time.Millisecond, "Delve's breakpoints are back while the target runs")
	changes, err := testutil.ChangedCode(tg.Pid, exe, testutil.DelveInternalBreakpointFunctions)
	require.NoError(t, err)
	for _, c := range changes {
		require.Equal(t, byte(0xCC), c.Memory, "%s", c)
	}
	haltUntilStopped(t, s, done)
	requireCodeIntact(t, tg.Pid, exe, "after a halt")

	// The unrecovered-panic breakpoint still stops the target at a panic.
	go func() {
		st, err := s.Continue()
		require.NoError(t, err)
		done <- st
	}()
	require.Eventually(t, func() bool {
		changes, err := testutil.ChangedCode(tg.Pid, exe, testutil.DelveInternalBreakpointFunctions)
		return err == nil && len(changes) > 0
	}, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, syscall.Kill(tg.Pid, syscall.SIGUSR1))
	select {
	case st := <-done:
		require.Equal(t, "unrecovered-panic", st.Breakpoint)
		require.Equal(t, "runtime.fatalpanic", st.Location.Function)
	case <-time.After(time.Minute):
		t.Fatal("the panic did not stop the target")
	}
	requireCodeIntact(t, tg.Pid, exe, "stopped at the panic")
}

// TestNoInt3AfterExec: a launched target stopped at its entry point holds
// no breakpoint either.
func TestNoInt3AfterExec(t *testing.T) {
	exe := testutil.BuildTarget(t, "panics")
	s, err := dlvclient.Exec(exe, nil)
	require.NoError(t, err)
	defer s.Close()
	requireCodeIntact(t, s.Target().PID, exe, "at the entry point")
}

// haltUntilStopped halts s until the Continue reporting on done returns:
// Delve drops a halt that arrives before its continue has resumed the
// target (the breakpoints are back in before that), so one halt may be lost.
func haltUntilStopped(t *testing.T, s *dlvclient.Session, done <-chan dlvclient.State) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		_, err := s.Halt()
		require.NoError(t, err)
		select {
		case <-done:
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("the target did not stop after halts for 30s")
		}
	}
}
