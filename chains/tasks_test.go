package chains

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestSwallowedCancellations(t *testing.T) {
	tr, snap := trackerFixture()
	got := SwallowedCancellations(tr, snap)
	var lines []string
	for _, s := range got {
		lines = append(lines, fmt.Sprintf("g%d t%d ctx%d %s %s %s", s.Goroutine.ID, s.Task.ID, s.ContextID, s.How, s.Ago, s.Cause))
	}
	// Task 7 under ctx 12 ended; task 12 has no tracked context.
	assert.Equal(t, []string{
		"g13 t9 ctx40 parent 50s ",
		"g12 t6 ctx12 parent 30s maintenance window",
		"g14 t11 ctx50 deadline 10s context deadline exceeded",
	}, lines)
	assert.Empty(t, SwallowedCancellations(nil, snap))
	assert.NotNil(t, SwallowedCancellations(nil, nil))

	// A cancelled task whose goroutine is gone is not swallowed.
	snap.Goroutines = snap.Goroutines[:1]
	assert.Empty(t, SwallowedCancellations(tr, snap))
}

func TestSwallowedFromContexts(t *testing.T) {
	g := gr(5, 1, "main.stuck")
	_, ok := SwallowedFromContexts(&g, []model.ContextChain{{Cancelled: -1, Path: []model.ContextNode{{Type: "*context.cancelCtx"}}}})
	assert.False(t, ok)
	dl := at(9)
	cs := []model.ContextChain{
		{Variable: "a", Cancelled: -1},
		{Variable: "ctx", Cancelled: 1, Path: []model.ContextNode{
			{Type: "*context.valueCtx"},
			{Type: "*context.timerCtx", Err: "context deadline exceeded", Deadline: dl},
		}},
		{Variable: "bad", Cancelled: 7},
	}
	s, ok := SwallowedFromContexts(&g, cs)
	require.True(t, ok)
	assert.Equal(t, "ctx", s.Chain.Variable)
	assert.Equal(t, model.CancelDeadline, s.How)
	assert.Equal(t, dl, s.Cancelled)
	assert.Equal(t, "context deadline exceeded", s.Err)
}

func TestSelectTerminated(t *testing.T) {
	tr, _ := trackerFixture()
	names := func(ts []model.Termination) string {
		var s []string
		for _, e := range ts {
			s = append(s, e.Task.Name)
		}
		return strings.Join(s, " ")
	}
	outcomes, err := ParseOutcomes("failed")
	require.NoError(t, err)
	tests := []struct {
		f    TerminatedFilter
		want string
	}{
		{TerminatedFilter{}, "inner2 shutdown fails watcher spawner"},
		{TerminatedFilter{Limit: 2}, "inner2 shutdown"},
		{TerminatedFilter{Name: regexp.MustCompile("^(w|s)")}, "shutdown watcher spawner"},
		{TerminatedFilter{Outcomes: outcomes}, "fails watcher"},
		{TerminatedFilter{Outcomes: []string{model.OutcomeCancelled}}, "inner2"},
		{TerminatedFilter{Group: "pg"}, "watcher"},
		{TerminatedFilter{Group: "2"}, "fails"},
		{TerminatedFilter{Group: "nope"}, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, names(SelectTerminated(tr.Terminated, tt.f)), "%+v", tt.f)
	}
	assert.Equal(t, "shutdown", tr.Terminated[2].Task.Name, "input kept")
	assert.NotNil(t, SelectTerminated(nil, TerminatedFilter{}))

	_, err = ParseOutcomes("error,exploded")
	assert.EqualError(t, err, `unknown outcome "exploded" (want returned|error|cancelled|panic|goexit or failed)`)
	o, err := ParseOutcomes("Error, panic")
	require.NoError(t, err)
	assert.Equal(t, []string{"error", "panic"}, o)
}

// taskShape prints a task forest: "1{2 [g1 pg: 3]}" with "4-" for an ended
// marker and "9?" for an unknown one.
func taskShape(tasks []*TaskNode, scopes []*TaskScope) string {
	var parts []string
	for _, n := range tasks {
		s := fmt.Sprint(n.ID)
		switch {
		case !n.Known:
			s += "?"
		case !n.Ref.Live:
			s += "-"
		}
		if len(n.Children)+len(n.Scopes) > 0 {
			s += "{" + taskShape(n.Children, n.Scopes) + "}"
		}
		parts = append(parts, s)
	}
	for _, sc := range scopes {
		parts = append(parts, fmt.Sprintf("[g%d %s: %s]", sc.GroupID, sc.Name, taskShape(sc.Tasks, nil)))
	}
	return strings.Join(parts, " ")
}

func TestBuildTaskTree(t *testing.T) {
	tr, snap := trackerFixture()
	f := BuildTaskTree(tr, snap)
	assert.Equal(t, "1{6 [g1 pg: 2]} 4-{13} 9 11 12", taskShape(f.Tasks, f.Scopes))
	n := f.FindTaskNode(2)
	require.NotNil(t, n)
	assert.Equal(t, int64(11), n.Ref.Goroutine.ID)
	assert.Nil(t, f.FindTaskNode(3), "ended tasks without live children are not in the tree")
	assert.Equal(t, "spawner", f.FindTaskNode(4).Ref.Ended.Task.Name)

	// Groups started outside any task are top-level scopes; unknown
	// parents are markers; corrupt cycles are broken.
	tr = &model.Tracker{Live: []model.Task{
		{ID: 20, Group: "top", GroupID: 5},
		{ID: 21, ParentID: 77},
		{ID: 30, ParentID: 31}, {ID: 31, ParentID: 30},
	}}
	f = BuildTaskTree(tr, nil)
	assert.Equal(t, "30{31} 77?{21} [g5 top: 20]", taskShape(f.Tasks, f.Scopes))
	assert.Empty(t, BuildTaskTree(nil, nil).Tasks)
}

func TestTaskCreationChainAndResolve(t *testing.T) {
	tr, snap := trackerFixture()
	x := NewTaskIndex(tr, snap)
	chain := x.CreationChain(13)
	require.Len(t, chain, 1)
	assert.Equal(t, uint64(4), chain[0].ID)
	assert.True(t, chain[0].Known)
	assert.Equal(t, model.OutcomeGoexit, chain[0].Ref.Ended.Outcome)

	chain = x.CreationChain(3)
	require.Len(t, chain, 1)
	assert.True(t, chain[0].Ref.Live)
	assert.Equal(t, "server", chain[0].Ref.Task.Name)

	tr.Live[0].ParentID = 500
	chain = NewTaskIndex(tr, snap).CreationChain(2)
	require.Len(t, chain, 2)
	assert.False(t, chain[1].Known)
	assert.Nil(t, x.CreationChain(99999))

	r, err := x.Resolve(ID{Goroutine: 19})
	require.NoError(t, err, "a goroutine id finds the ended task it ran")
	assert.Equal(t, "watcher", r.Task.Name)
	r, err = x.Resolve(ID{Goroutine: 11})
	require.NoError(t, err)
	assert.True(t, r.Live)
	assert.Equal(t, int64(11), r.Goroutine.ID)
	assert.Equal(t, time.Duration(0), r.Task.Started.Sub(at(1)))
}

func TestGroupByTaskAndGroup(t *testing.T) {
	_, snap := trackerFixture()
	got := GroupGoroutines(snap.Goroutines, GroupByGroup, "")
	assert.Equal(t, "<no group>", got[0].Key)
	assert.Equal(t, 7, got[0].Count)
	assert.Equal(t, Group{Key: "group 1 pg", Count: 1, IDs: []int64{11}, States: map[string]int{"chan receive": 1}}, got[1])
	got = GroupGoroutines(snap.Goroutines, GroupByTask, "")
	assert.Len(t, got, 8)
	assert.Equal(t, "<no task>", got[0].Key)
}
