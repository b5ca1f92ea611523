package dlvclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// goroutineAt returns the id of the goroutine whose user location is in
// function fn.
func goroutineAt(t *testing.T, s *dlvclient.Session, fn string) int64 {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	for _, g := range snap.Goroutines {
		if g.Location.Function == fn {
			return g.ID
		}
	}
	t.Fatalf("no goroutine in %s", fn)
	return 0
}

// chainFor returns the chain of the variable name in the frame of fn.
func chainFor(t *testing.T, chains []model.ContextChain, fn, name string) model.ContextChain {
	t.Helper()
	for _, c := range chains {
		if c.Function == fn && c.Variable == name {
			return c
		}
	}
	t.Fatalf("no context %s in %s among %+v", name, fn, chains)
	return model.ContextChain{}
}

func types(path []model.ContextNode) []string {
	var out []string
	for _, n := range path {
		out = append(out, n.Type)
	}
	return out
}

// checkCtxchain checks what Contexts reads from the ctxchain target after
// main.shutdown cancelled root with the cause "disk full".
func checkCtxchain(t *testing.T, s *dlvclient.Session, now time.Time) {
	grandGID := goroutineAt(t, s, "main.grandchildWorker")
	chains, err := s.Contexts(grandGID)
	require.NoError(t, err)
	c := chainFor(t, chains, "main.grandchildWorker", "ctx")
	require.Equal(t, []string{"*context.valueCtx", "*context.timerCtx", "*context.cancelCtx", "*context.cancelCtx", "context.backgroundCtx"}, types(c.Path))
	require.Equal(t, 1, c.Cancelled, "the first cancelled context is the timer context")
	for _, i := range []int{1, 2, 3} {
		require.Equal(t, "context canceled", c.Path[i].Err, "node %d", i)
		require.Equal(t, "disk full", c.Path[i].Cause, "node %d", i)
	}
	require.Empty(t, c.Path[0].Err)
	// WithTimeout(child, time.Hour), created just before READY.
	require.WithinDuration(t, now.Add(time.Hour), c.Path[1].Deadline, 2*time.Minute)
	require.True(t, c.Path[2].Deadline.IsZero())
	// The same value in the gowrap frame below is not reported twice.
	n := 0
	for _, ch := range chains {
		if ch.Path[0].Addr == c.Path[0].Addr {
			n++
		}
	}
	require.Equal(t, 1, n, "one chain per context value: %+v", chains)

	// The swallower holds the timer context itself.
	sw, err := s.Contexts(goroutineAt(t, s, "main.swallower"))
	require.NoError(t, err)
	swc := chainFor(t, sw, "main.swallower", "ctx")
	require.Equal(t, 0, swc.Cancelled)
	require.Equal(t, c.Path[1].Addr, swc.Path[0].Addr, "same timer context")

	// The root holder sees the origin.
	rc, err := s.Contexts(goroutineAt(t, s, "main.rootWorker"))
	require.NoError(t, err)
	root := chainFor(t, rc, "main.rootWorker", "ctx")
	require.Equal(t, []string{"*context.cancelCtx", "context.backgroundCtx"}, types(root.Path))
	require.Equal(t, c.Path[3].Addr, root.Path[0].Addr)
	require.Equal(t, "disk full", root.Path[0].Cause)

	// WithoutCancel cuts the cancellation.
	dc, err := s.Contexts(goroutineAt(t, s, "main.detachedWorker"))
	require.NoError(t, err)
	det := chainFor(t, dc, "main.detachedWorker", "ctx")
	require.Equal(t, []string{"context.withoutCancelCtx", "*context.cancelCtx", "*context.cancelCtx", "context.backgroundCtx"}, types(det.Path))
	require.Equal(t, -1, det.Cancelled)
	require.Equal(t, "context canceled", det.Path[1].Err)

	// The uncancelled chain.
	lc, err := s.Contexts(goroutineAt(t, s, "main.liveWorker"))
	require.NoError(t, err)
	live := chainFor(t, lc, "main.liveWorker", "ctx")
	require.Equal(t, []string{"*context.timerCtx", "*context.cancelCtx", "*context.valueCtx", "context.backgroundCtx"}, types(live.Path))
	require.Equal(t, -1, live.Cancelled)
	for _, nd := range live.Path {
		require.Empty(t, nd.Err)
		require.Empty(t, nd.Cause)
	}
	require.WithinDuration(t, now.Add(time.Hour), live.Path[0].Deadline, 2*time.Minute)
}

func TestContextsLive(t *testing.T) {
	exe := testutil.BuildTarget(t, "ctxchain")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	checkCtxchain(t, s, time.Now())

	_, err = s.Contexts(1 << 40)
	require.ErrorIs(t, err, dlvclient.ErrUnknownGoroutine)
}

func TestContextsCore(t *testing.T) {
	exe := testutil.BuildTarget(t, "ctxchain")
	core, _ := testutil.CrashCore(t, exe, nil, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	checkCtxchain(t, s, time.Now())
}
