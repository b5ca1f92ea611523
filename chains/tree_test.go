package chains

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestBuildTree(t *testing.T) {
	tests := []struct {
		name string
		s    model.Snapshot
		want string
	}{
		{
			name: "empty",
			s:    model.Snapshot{},
			want: "",
		},
		{
			name: "live parents, children ordered by id",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(1, 0, "main.main"), gr(2, 0, "runtime.forcegchelper"),
				gr(7, 1, "main.a"), gr(8, 7, "main.b"), gr(9, 1, "main.c"),
			}},
			want: "1{7{8} 9} 2",
		},
		{
			name: "input out of order",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(9, 1, "main.c"), gr(1, 0, "main.main"), gr(7, 1, "main.a"),
			}},
			want: "1{7 9}",
		},
		{
			name: "orphans hang under an exited marker without record",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(1, 0, "main.main"), gr(20, 5, "main.w"), gr(21, 5, "main.w"), gr(22, 6, "main.w"),
			}},
			want: "1 5!{20 21} 6!{22}",
		},
		{
			name: "exited marker with record nests under its live parent",
			s: model.Snapshot{
				Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(20, 5, "main.w")},
				Exited:     []model.ExitedGoroutine{ex(5, 1, "main.spawner")},
			},
			want: "1{5?{20}}",
		},
		{
			name: "exited records followed upward while they exist",
			s: model.Snapshot{
				Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(20, 5, "main.w"), gr(30, 4, "main.x")},
				Exited: []model.ExitedGoroutine{
					ex(5, 4, "main.mid"), ex(4, 3, "main.top"), ex(3, 1, "main.root"),
				},
			},
			want: "1{3?{4?{5?{20} 30}}}",
		},
		{
			name: "chain of records ends where records stop",
			s: model.Snapshot{
				Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(20, 5, "main.w")},
				Exited:     []model.ExitedGoroutine{ex(5, 4, "main.mid")},
			},
			want: "1 5?{20}",
		},
		{
			name: "cycle among live goroutines",
			s: model.Snapshot{Goroutines: []model.Goroutine{
				gr(1, 0, "main.main"), gr(3, 4, "main.a"), gr(4, 5, "main.b"), gr(5, 3, "main.c"), gr(6, 4, "main.d"),
			}},
			want: "1 3{5{4{6}}}",
		},
		{
			name: "self parent",
			s:    model.Snapshot{Goroutines: []model.Goroutine{gr(3, 3, "main.a")}},
			want: "3",
		},
		{
			name: "cycle among exited records",
			s: model.Snapshot{
				Goroutines: []model.Goroutine{gr(20, 5, "main.w")},
				Exited:     []model.ExitedGoroutine{ex(5, 4, "main.a"), ex(4, 5, "main.b")},
			},
			want: "4?{5?{20}}",
		},
		{
			name: "duplicate live id appears once",
			s:    model.Snapshot{Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(2, 1, "main.a"), gr(2, 1, "main.a")}},
			want: "1{2}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, shape(BuildTree(&tt.s)))
		})
	}
}

func TestBuildTreeNodes(t *testing.T) {
	s := &model.Snapshot{
		Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(20, 5, "main.w")},
		Exited:     []model.ExitedGoroutine{ex(5, 1, "main.spawner")},
	}
	roots := BuildTree(s)
	require.Len(t, roots, 1)
	assert.Same(t, &s.Goroutines[0], roots[0].Goroutine)
	assert.Equal(t, 1, roots[0].Count)
	assert.Equal(t, []int64{1}, roots[0].IDs)
	marker := roots[0].Children[0]
	assert.True(t, marker.IsExited())
	assert.Same(t, &s.Exited[0], marker.Exited)
	assert.Same(t, &s.Goroutines[1], marker.Children[0].Goroutine)
}

func TestBuildTreeEveryLiveGoroutineOnce(t *testing.T) {
	// A long parent cycle plus a tail: all must appear, once.
	var gs []model.Goroutine
	for i := int64(1); i <= 500; i++ {
		gs = append(gs, gr(i, i%500+1, "main.f"))
	}
	roots := BuildTree(&model.Snapshot{Goroutines: gs})
	seen := map[int64]int{}
	var walk func([]*Node)
	walk = func(ns []*Node) {
		for _, n := range ns {
			seen[n.ID]++
			walk(n.Children)
		}
	}
	walk(roots)
	assert.Len(t, seen, 500)
	for id, n := range seen {
		assert.Equal(t, 1, n, "goroutine %d", id)
	}
	require.Len(t, roots, 1)
	assert.Equal(t, int64(1), roots[0].ID)
}

func TestSubtree(t *testing.T) {
	s := &model.Snapshot{
		Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(7, 1, "main.a"), gr(8, 7, "main.b"), gr(20, 5, "main.w")},
	}
	roots := BuildTree(s)
	assert.Equal(t, "7{8}", shape([]*Node{Subtree(roots, 7)}))
	assert.Equal(t, "5!{20}", shape([]*Node{Subtree(roots, 5)}))
	assert.Nil(t, Subtree(roots, 99))
	assert.Nil(t, Subtree(nil, 1))

	// A hand-made cycle must not hang.
	a := &Node{ID: 1}
	b := &Node{ID: 2, Children: []*Node{a}}
	a.Children = []*Node{b}
	assert.Nil(t, Subtree([]*Node{a}, 3))
}

func TestBuildTreeCgoCallbackChildrenUnderTheirIDsMarker(t *testing.T) {
	cb := gr(17, 0, "main.onDrain")
	cb.CgoCallback = true
	parked := ex(18, 0, "runtime.goexit")
	parked.CgoCallback = true
	s := model.Snapshot{
		Goroutines: []model.Goroutine{gr(1, 0, "main.main"), cb, gr(20, 17, "main.handleEvent"), gr(21, 17, "main.handleEvent"),
			gr(22, 18, "main.flush"), gr(23, 1, "main.worker"), gr(24, 23, "main.leaf")},
		Exited: []model.ExitedGoroutine{parked},
	}
	s.Sort()
	roots := BuildTree(&s)
	// Goroutine 17 holds the reused id now: its id's children hang under a
	// marker after it, and so do those of the parked callback id 18.
	assert.Equal(t, "1{23{24}} 17 17&{20 21} 18&{22}", shape(roots))
	for _, r := range roots {
		if r.CallbackID {
			assert.False(t, r.IsExited())
			assert.Equal(t, NodeLine{CallbackID: true}, LineOf(r))
		}
	}
	assert.Same(t, roots[1], Subtree(roots, 17), "pstree 17 is the goroutine, not the marker")
	assert.Equal(t, "1{23{24}} 17 17&{20x2} 18&{22}", shape(Collapse(roots)))
}
