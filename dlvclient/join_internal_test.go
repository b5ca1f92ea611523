package dlvclient

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestJoinExpanded(t *testing.T) {
	fr := func(fn string, line int) model.Frame {
		return model.Frame{Location: model.Location{Function: fn, File: "a.go", Line: line}}
	}
	// pc1 expands to inner (inlined) + its call site; pc2 is the runtime's
	// inline mark for that call site: absorbed. pc3 is a plain frame.
	got := joinExpanded([][]model.Frame{
		{fr("main.cancelNow", 9)},
		{fr("main.inner", 20), fr("main.outer", 30)},
		{fr("main.outer", 30)},
		{fr("main.caller", 40)},
	})
	require.Equal(t, []model.Frame{fr("main.cancelNow", 9), fr("main.inner", 20), fr("main.outer", 30), fr("main.caller", 40)}, got)

	// Without inline marks (frame-pointer stacks) nothing is dropped, and a
	// genuine repeat (recursion) that does not follow an expansion stays.
	got = joinExpanded([][]model.Frame{{fr("main.f", 1)}, {fr("main.f", 1)}})
	require.Len(t, got, 2)
}
