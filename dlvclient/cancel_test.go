package dlvclient_test

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// receiver evaluates the receiver of context.(*cancelCtx).cancel at a stop.
func receiver(t *testing.T, s *dlvclient.Session, gid int64) string {
	t.Helper()
	v, err := s.Eval(gid, 0, "uintptr(c)")
	require.NoError(t, err)
	return v
}

func hasFunction(t *testing.T, s *dlvclient.Session, gid int64, fn string) bool {
	t.Helper()
	frames, err := s.Stack(gid, 0)
	require.NoError(t, err)
	for _, f := range frames {
		if f.Function == fn {
			return true
		}
	}
	return false
}

func TestBreakOnCancel(t *testing.T) {
	exe := testutil.BuildTarget(t, "ctxchain")
	tg := testutil.StartTracedTarget(t, exe, []string{"-wait-signal"}, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()

	gid := goroutineAt(t, s, "main.grandchildWorker")
	chains, err := s.Contexts(gid)
	require.NoError(t, err)
	c := chainFor(t, chains, "main.grandchildWorker", "ctx")
	require.Equal(t, -1, c.Cancelled, "nothing is cancelled before the signal")
	grand, child, root := c.Path[1].Addr, c.Path[2].Addr, c.Path[3].Addr

	bp, err := s.BreakOnCancel(gid)
	require.NoError(t, err)
	require.Equal(t, dlvclient.BreakOnCancelName(gid), bp.Name)
	require.Equal(t, dlvclient.CancelCondition([]uint64{grand, child, root}), bp.Cond)
	t.Logf("condition: %s", bp.Cond)

	// main waits for SIGUSR1, then calls main.shutdown.
	require.NoError(t, syscall.Kill(tg.Pid, syscall.SIGUSR1))

	// Hop 1: the root, cancelled by main.shutdown in the canceller's stack.
	st, err := s.Continue()
	require.NoError(t, err)
	require.Equal(t, bp.Name, st.Breakpoint)
	require.Equal(t, "context.(*cancelCtx).cancel", st.Location.Function)
	require.True(t, hasFunction(t, s, st.GoroutineID, "main.shutdown"), "the canceller's stack holds main.shutdown")
	require.True(t, hasFunction(t, s, st.GoroutineID, "main.main"))
	require.Equal(t, dec(root), receiver(t, s, st.GoroutineID))
	canceller := st.GoroutineID

	// Hop 2: propagation to the child, on the same goroutine.
	st, err = s.Continue()
	require.NoError(t, err)
	require.Equal(t, bp.Name, st.Breakpoint)
	require.Equal(t, canceller, st.GoroutineID)
	require.Equal(t, dec(child), receiver(t, s, st.GoroutineID))

	// Hop 3: the timer context the goroutine holds.
	st, err = s.Continue()
	require.NoError(t, err)
	require.Equal(t, bp.Name, st.Breakpoint)
	require.Equal(t, dec(grand), receiver(t, s, st.GoroutineID))
	require.True(t, hasFunction(t, s, st.GoroutineID, "main.shutdown"))

	// clear by name removes it: the target runs on to the end of the cancel.
	_, err = s.ClearBreakpoint(bp.Name)
	require.NoError(t, err)
	bps, err := s.Breakpoints()
	require.NoError(t, err)
	for _, b := range bps {
		require.NotEqual(t, bp.Name, b.Name)
	}
	runUntilStderr(t, s, tg, "ctxchain: cancelled")

	// Now everything is cancelled: nothing left to watch.
	_, err = s.BreakOnCancel(gid)
	require.ErrorContains(t, err, "no context that can still be cancelled")
}

// dec is how Delve prints a uintptr.
func dec(a uint64) string { return strconv.FormatUint(a, 10) }

// runUntilStderr lets the target run until its stderr contains want, then
// halts it. The target may have written it already (during an injected
// call the target runs).
func runUntilStderr(t *testing.T, s *dlvclient.Session, tg *testutil.Target, want string) {
	t.Helper()
	time.Sleep(50 * time.Millisecond) // let the stderr reader catch up
	if strings.Contains(string(tg.Stderr()), want) {
		return
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Continue()
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(tg.Stderr()), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// A Halt that reaches Delve before the Continue does nothing: repeat it.
	for {
		_, err := s.Halt()
		require.NoError(t, err)
		select {
		case err := <-done:
			require.NoError(t, err)
			require.Contains(t, string(tg.Stderr()), want)
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// taskIDs maps tracker task names to ids through the goroutines' labels.
func taskIDs(t *testing.T, s *dlvclient.Session) map[string]uint64 {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	out := map[string]uint64{}
	for _, g := range snap.Goroutines {
		if name, ok := g.Labels["task"]; ok {
			id, err := strconv.ParseUint(g.Labels["task.id"], 10, 64)
			require.NoError(t, err)
			out[name] = id
		}
	}
	return out
}
