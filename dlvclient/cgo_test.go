package dlvclient_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// TestCgoMatchesRuntimeTraceback reads testdata/cgoworld (a goroutine
// inside a C call, callbacks from a C thread sharing one goroutine id, main
// spinning on the thread a SIGQUIT lands on) and compares every field and
// stack with the runtime's traceback: on a kernel core and live.
func TestCgoMatchesRuntimeTraceback(t *testing.T) {
	forEachToolchain(t, "cgoworld", testCgoMatchesRuntimeTraceback)
}

func testCgoMatchesRuntimeTraceback(t *testing.T, exe string) {
	t.Run("core", func(t *testing.T) {
		core, text := testutil.CrashCore(t, exe, nil, nil)
		s, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer s.Close()
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		tb := parseTraceback(t, text)
		compareSnapshot(t, snap, tb)
		compareStacks(t, readStacks(t, s, snap), tb)
		checkCallbackCreators(t, snap, tb)
	})
	t.Run("live", func(t *testing.T) {
		tg := testutil.StartTracedTarget(t, exe, nil, []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1"})
		s, err := dlvclient.Attach(tg.Pid)
		require.NoError(t, err)
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		stacks := readStacks(t, s, snap)
		require.NoError(t, s.Close())
		tb := parseTraceback(t, crashLive(t, tg))
		compareLiveSnapshot(t, snap, tb)
		for _, g := range snap.Goroutines {
			if g.Status == model.StatusRunnable {
				// It could run between the read and the crash: its frames moved
				// (see compareLiveSnapshot).
				delete(stacks, g.ID)
			}
		}
		compareStacks(t, stacks, tb)
		checkCallbackCreators(t, snap, tb)
	})
}

// checkCallbackCreators checks goroutines created by a cgo callback: the
// runtime names the callback goroutine's id, which every callback on that C
// thread gets; the goroutine holding it now (another callback, blocked) must
// not be presented as the creator.
func checkCallbackCreators(t *testing.T, snap *model.Snapshot, tb map[int64]testutil.TracebackGoroutine) {
	t.Helper()
	checked := 0
	for _, g := range snap.Goroutines {
		parent, ok := tb[tb[g.ID].ParentID]
		if !ok || !tracebackHasFrame(parent, "runtime.cgocallback") {
			continue
		}
		require.True(t, snap.Goroutine(parent.ID).CgoCallback, "goroutine %d runs a cgo callback", parent.ID)
		chain, err := chains.CreationChain(snap, g.ID)
		require.NoError(t, err)
		require.NotEmpty(t, chain)
		require.Equal(t, parent.ID, chain[0].ParentID)
		require.True(t, chain[0].ParentIDReused, "goroutine %d: creator id %d is a cgo callback's", g.ID, parent.ID)
		require.Nil(t, chain[0].Parent, "goroutine %d: the current holder of id %d is not its creator", g.ID, parent.ID)
		// pstree hangs it under a marker for the reused id, saying so,
		// not under the goroutine holding the id now, nor as a bare root.
		roots := chains.BuildTree(snap)
		under := parentNode(roots, g.ID)
		require.NotNilf(t, under, "pstree: goroutine %d is a root without a word on its creator", g.ID)
		require.Truef(t, under.CallbackID, "pstree: goroutine %d under #%d, which may not be its creator", g.ID, under.ID)
		require.Equal(t, parent.ID, under.ID)
		var text bytes.Buffer
		require.NoError(t, render.Tree(&text, chains.Collapse(roots)))
		require.Containsf(t, text.String(), fmt.Sprintf("#%d (created in a C→Go callback on goroutine %d, an id every callback on its C thread reuses", parent.ID, parent.ID), "pstree:\n%s", text.String())
		checked++
	}
	require.Equal(t, 1, checked, "the handler started by the first callback")
}

// parentNode returns the node whose children hold goroutine id, nil when
// it is a root or absent.
func parentNode(nodes []*chains.Node, id int64) *chains.Node {
	for _, n := range nodes {
		for _, c := range n.Children {
			if c.ID == id && !c.CallbackID {
				return n
			}
		}
		if p := parentNode(n.Children, id); p != nil {
			return p
		}
	}
	return nil
}

func tracebackHasFrame(g testutil.TracebackGoroutine, fn string) bool {
	for _, f := range g.Frames {
		if f.Function == fn {
			return true
		}
	}
	return false
}
