package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestGroups(t *testing.T) {
	groups := []chains.Group{
		{Key: "main.spawn cmd/main.go:10", Count: 7, IDs: []int64{3, 4, 5, 6, 7, 8, 9},
			States: map[string]int{"chan receive": 5, "running": 1, "select": 1}},
		{Key: "", Count: 1, IDs: []int64{1}, States: map[string]int{"running": 1}},
	}
	var b strings.Builder
	require.NoError(t, Groups(&b, groups, "creation"))
	assert.Equal(t, `2 groups of 8 goroutines by creation
COUNT  KEY                        STATES                               IDS
7      main.spawn cmd/main.go:10  5 chan receive, 1 running, 1 select  3,4,5,6,7,…
1      ""                         1 running                            1
`, b.String())

	b.Reset()
	require.NoError(t, Groups(&b, nil, "label task"))
	assert.Equal(t, "0 groups of 0 goroutines by label task\n", b.String())
}

func TestStackGroups(t *testing.T) {
	st := &model.Stack{Frames: []model.Frame{
		{Location: loc("runtime.gopark", 463)},
		{Location: loc("main.(*client).readLoop", 112)},
	}, More: true}
	groups := []chains.Group{
		{Key: "k", Count: 2, IDs: []int64{4, 9}, States: map[string]int{"IO wait": 2}, Stack: st,
			CreatedBy: loc("main.(*Server).startGoRoutine", 68)},
		{Key: "<stack unreadable>", Count: 1, IDs: []int64{3}, States: map[string]int{"running": 1}},
	}
	var b strings.Builder
	require.NoError(t, Groups(&b, groups, "stack"))
	assert.Equal(t, `2 groups of 3 goroutines by stack
2 goroutines: 2 IO wait; ids 4,9
    runtime.gopark           cmd/main.go:463
    main.(*client).readLoop  cmd/main.go:112
    … stack cut at 2 frames
    created by main.(*Server).startGoRoutine cmd/main.go:68

1 goroutine: 1 running; ids 3
    <stack unreadable>
`, b.String())
}

func TestStackGroupDocs(t *testing.T) {
	st := &model.Stack{Frames: []model.Frame{{Location: loc("main.f", 3)}}}
	docs := NewGroupDocs([]chains.Group{{Key: "k", Count: 1, IDs: []int64{2}, Stack: st, CreatedBy: loc("main.g", 9)},
		{Key: "creation", Count: 1, IDs: []int64{3}}})
	require.Equal(t, st, docs[0].Stack)
	require.Equal(t, 9, docs[0].CreatedBy.Line)
	require.Nil(t, docs[1].Stack)
	require.Nil(t, docs[1].CreatedBy)
}
