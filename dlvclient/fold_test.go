package dlvclient_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// tracebackLine is what the runtime's traceback says about the fields a
// pstree line shows: start function, state, the function the goroutine is
// in (its innermost frame outside the runtime) and its go statement.
type tracebackLine struct {
	start, state, in, createdBy string
	createdLine                 int
}

func lineFromTraceback(g testutil.TracebackGoroutine) tracebackLine {
	l := tracebackLine{state: g.State, createdBy: g.CreatedBy, createdLine: g.CreatedAt.Line}
	frames := g.Frames
	for _, f := range frames {
		if !chains.IsRuntime(f.Function) {
			l.in = f.Function
			break
		}
	}
	// The start function: the outermost frame before runtime.goexit, or the
	// one just above a go-statement wrapper.
	if n := len(frames); n >= 2 && frames[n-1].Function == "runtime.goexit" {
		l.start = frames[n-2].Function
		for i := n - 2; i > 0; i-- {
			if strings.Contains(frames[i].Function, ".gowrap") {
				l.start = frames[i-1].Function
				break
			}
		}
	}
	return l
}

// TestPstreeFoldsOnlyWhatTheRuntimeSaysIsAlike crashes a server whose
// goroutines all start through one helper (the same go statement and start
// function for different jobs), plus hooks started by one go statement over
// a slice of func values, and checks every folded pstree line against the
// runtime's own traceback: the goroutines one line stands for agree in the
// traceback on each field the line shows, and hang under the goroutines the
// parent line stands for.
func TestPstreeFoldsOnlyWhatTheRuntimeSaysIsAlike(t *testing.T) {
	forEachToolchain(t, "spawnhelper", func(t *testing.T, exe string) {
		core, text := testutil.CrashCore(t, exe, []string{"-clients", "6"}, nil)
		tb, err := testutil.ParseTraceback(text)
		require.NoError(t, err)
		s, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer s.Close()
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)

		folded, markers := 0, 0
		var check func(ns []*chains.Node, parent *chains.Node)
		check = func(ns []*chains.Node, parent *chains.Node) {
			for _, n := range ns {
				if n.IsExited() {
					for _, id := range n.IDs {
						_, alive := tb[id]
						require.False(t, alive, "marker %d stands for goroutine %d, which the traceback shows alive", n.ID, id)
					}
					if n.Count > 1 {
						markers++
					}
				} else {
					first := lineFromTraceback(tb[n.IDs[0]])
					for _, id := range n.IDs {
						want, ok := tb[id]
						require.True(t, ok, "goroutine %d is not in the traceback", id)
						require.Equal(t, first, lineFromTraceback(want),
							"goroutines %d and %d share the line %v but the runtime tells them apart", n.IDs[0], id, n.ID)
						if parent != nil {
							require.Contains(t, parent.IDs, want.ParentID, "goroutine %d folded under the wrong parent", id)
						}
					}
					if n.Count > 1 {
						folded++
					}
				}
				check(n.Children, n)
			}
		}
		check(chains.Collapse(chains.BuildTree(snap)), nil)
		require.GreaterOrEqual(t, folded, 2, "each client's read and write loops fold across clients")
		require.GreaterOrEqual(t, markers, 1, "the clients' exited creators fold")
	})
}
