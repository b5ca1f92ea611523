package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// readChain follows a stored chain's links as the page does.
func readChain(d *reportData, first int) []int64 {
	var parents []int64
	for i := first; i >= 0 && len(parents) <= len(d.Links); i = d.Links[i][6].(int) {
		parents = append(parents, d.Links[i][0].(int64))
	}
	return parents
}

func TestReportChainsShareTheirEnds(t *testing.T) {
	d := &reportData{stringIndex: map[string]int{}, linkIndex: map[string]int{}}
	link := func(child, parent int64) render.LinkDoc {
		return render.LinkDoc{ChildID: child, ParentID: parent, GoStatement: model.Location{Function: "main.spawn", Line: 10},
			ParentAlive: true, ParentState: "chan receive"}
	}
	// A relay 1 ← 2 ← … ← 100: goroutine n's chain is n-1 links long.
	var chain []render.LinkDoc
	firsts := map[int64]int{}
	for n := int64(2); n <= 100; n++ {
		chain = append([]render.LinkDoc{link(n, n-1)}, chain...)
		firsts[n] = d.chain(n, chain)
	}
	assert.Len(t, d.Links, 99, "one link a goroutine, not one a goroutine and level")
	for n := int64(2); n <= 100; n++ {
		got := readChain(d, firsts[n])
		require.Len(t, got, int(n-1))
		assert.Equal(t, n-1, got[0])
		assert.Equal(t, int64(1), got[len(got)-1])
	}
	assert.Equal(t, -1, d.chain(1, nil), "an empty chain")
	// A link that differs (its parent exited) is its own.
	other := link(7, 6)
	other.ParentAlive, other.ParentState = false, "exited"
	i := d.chain(7, []render.LinkDoc{other})
	assert.Len(t, d.Links, 100)
	assert.Equal(t, []int64{6}, readChain(d, i))
	// Goroutines created at one site by one creator share their link.
	n := len(d.Links)
	site := func(child int64) render.LinkDoc { l := link(child, 1); l.GoStatement.Line = 77; return l }
	a, b := d.chain(200, []render.LinkDoc{site(200)}), d.chain(201, []render.LinkDoc{site(201)})
	assert.Equal(t, a, b)
	assert.Len(t, d.Links, n+1)
	// A link whose child is not the previous parent keeps its child.
	odd := d.chain(300, []render.LinkDoc{link(300, 5), link(42, 1)})
	assert.Len(t, d.Links[d.Links[odd][6].(int)], 8)
}
