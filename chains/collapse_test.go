package chains

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestCollapseThousandWorkers(t *testing.T) {
	gs := []model.Goroutine{gr(1, 0, "main.main")}
	for id := int64(2); id <= 1001; id++ {
		w := gr(id, 1, "main.worker")
		w.Location.Line = 40 // all blocked at the same line
		gs = append(gs, w)
	}
	roots := Collapse(BuildTree(&model.Snapshot{Goroutines: gs}))
	require.Len(t, roots, 1)
	require.Len(t, roots[0].Children, 1)
	w := roots[0].Children[0]
	assert.Equal(t, 1000, w.Count)
	assert.Len(t, w.IDs, 1000)
	assert.Equal(t, int64(2), w.ID)
	assert.Equal(t, int64(2), w.IDs[0])
	assert.Equal(t, int64(1001), w.IDs[999])
	assert.Equal(t, "main.worker", w.Goroutine.Start.Function)
	assert.Equal(t, "1{2x1000}", shape(roots))
}

func TestCollapse(t *testing.T) {
	blockedAt := func(g model.Goroutine, fn string) model.Goroutine {
		g.Location.Function = fn
		return g
	}
	running := func(g model.Goroutine) model.Goroutine {
		g.Status, g.WaitReason = model.StatusRunning, ""
		return g
	}
	createdAt := func(g model.Goroutine, line int) model.Goroutine {
		g.GoStatement.Line = line
		return g
	}
	tests := []struct {
		name string
		s    model.Snapshot
		want string
	}{
		{
			name: "different state, start, location or go statement do not merge",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(1, 0, "main.main"),
				gr(2, 1, "main.w"), gr(3, 1, "main.w"), running(gr(4, 1, "main.w")),
				gr(5, 1, "main.v"), blockedAt(gr(6, 1, "main.w"), "main.other"), gr(7, 1, "main.w"),
				createdAt(gr(8, 1, "main.w"), 99),
			}},
			want: "1{2x3 4 5 6 8}",
		},
		{
			name: "identical subtrees merge and add up their children",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(1, 0, "main.main"),
				gr(2, 1, "main.pool"), gr(3, 1, "main.pool"),
				gr(10, 2, "main.w"), gr(11, 2, "main.w"), gr(12, 3, "main.w"), gr(13, 3, "main.w"),
			}},
			want: "1{2x2{10x4}}",
		},
		{
			name: "subtrees with different child counts stay apart",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(1, 0, "main.main"),
				gr(2, 1, "main.pool"), gr(3, 1, "main.pool"),
				gr(10, 2, "main.w"), gr(11, 2, "main.w"), gr(12, 3, "main.w"),
			}},
			want: "1{2{10x2} 3{12}}",
		},
		{
			name: "identical subtrees under exited markers merge",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(20, 5, "main.w"), gr(21, 5, "main.w"), gr(22, 6, "main.w"), gr(23, 6, "main.w"),
			}},
			want: "5!x2{20x4}",
		},
		{
			name: "exited markers with different records or children stay apart",
			s: model.Snapshot{
				Goroutines: []model.Goroutine{
					gr(1, 0, "main.main"),
					gr(20, 5, "main.w"), gr(21, 6, "main.w"), gr(22, 7, "main.w"), gr(23, 8, "main.v"),
					gr(24, 9, "main.w"), gr(25, 9, "main.w"), gr(26, 10, "main.w"),
				},
				Exited: []model.ExitedGoroutine{
					ex(5, 1, "main.conn"), ex(6, 1, "main.conn"), ex(7, 1, "main.other"), ex(8, 1, "main.conn"),
				},
			},
			want: "1{5?x2{20x2} 7?{22} 8?{23}} 9!{24x2} 10!{26}",
		},
		{
			name: "first occurrence order kept",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(1, 0, "main.main"), gr(2, 1, "main.b"), gr(3, 1, "main.a"), gr(4, 1, "main.b"),
			}},
			want: "1{2x2 3}",
		},
		{
			name: "roots merge too",
			s:    model.Snapshot{Goroutines: []model.Goroutine{gr(4, 0, "main.x"), gr(5, 0, "main.x")}},
			want: "4x2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, shape(Collapse(BuildTree(&tt.s))))
		})
	}
}

func TestCollapseMergesIDsAndKeepsInput(t *testing.T) {
	s := &model.Snapshot{Goroutines: []model.Goroutine{
		gr(1, 0, "main.main"),
		gr(2, 1, "main.pool"), gr(3, 1, "main.pool"),
		gr(10, 3, "main.w"), gr(11, 2, "main.w"),
	}}
	roots := BuildTree(s)
	before := shape(roots)
	got := Collapse(roots)
	assert.Equal(t, before, shape(roots), "input modified")
	pool := got[0].Children[0]
	assert.Equal(t, []int64{2, 3}, pool.IDs)
	assert.Equal(t, []int64{10, 11}, pool.Children[0].IDs)
	assert.Equal(t, int64(11), pool.Children[0].ID, "first occurrence keeps its identity")
	assert.Equal(t, []int64{2}, roots[0].Children[0].IDs)

	// Collapsing twice changes nothing.
	assert.Equal(t, shape(got), shape(Collapse(got)))
}

func TestCollapseCycle(t *testing.T) {
	g := gr(1, 0, "main.main")
	a := &Node{ID: 1, Goroutine: &g}
	b := &Node{ID: 2, Goroutine: &g, Children: []*Node{a}}
	a.Children = []*Node{b}
	got := Collapse([]*Node{a})
	assert.Equal(t, "1{2{1}}", shape(got))
}
