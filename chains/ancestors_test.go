package chains

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// rec is an ancestor record: goroutine id, stopped at its go statement in
// spawnFn (line), started as startFn.
func rec(id int64, spawnFn string, line int, startFn string) model.Ancestor {
	return model.Ancestor{ID: id, Stack: []model.Frame{
		{Location: model.Location{Function: "runtime.newproc", File: "/go/src/runtime/proc.go", Line: 5298}},
		{Location: model.Location{Function: spawnFn, File: "/src/app/main.go", Line: line}},
		{Location: model.Location{Function: startFn, File: "/src/app/main.go", Line: 1}},
		{Location: model.Location{Function: "runtime.goexit", File: "/go/src/runtime/asm_amd64.s", Line: 1771}},
	}}
}

func TestCreationChainWithAncestors(t *testing.T) {
	// 1 (alive) created 3 (exited, record kept), which created 5 (gone),
	// which created 7 (gone), which created 9 (alive), which created 20.
	s := &model.Snapshot{
		Goroutines: []model.Goroutine{gr(1, 0, "main.main"), gr(9, 7, "main.stage"), gr(20, 9, "main.worker")},
		Exited:     []model.ExitedGoroutine{ex(3, 1, "main.stage")},
	}
	s.Goroutines[1].GoStatement.Line = 41
	records := []model.Ancestor{
		rec(9, "main.stage", 35, "main.stage.func1"),
		rec(7, "main.stage", 41, "main.stage.func1"),
		rec(5, "main.stage", 41, "main.stage.func1"),
		rec(3, "main.stage", 41, "main.stage"),
		rec(1, "main.main", 20, "main.main"),
	}
	plain, err := CreationChain(s, 20)
	require.NoError(t, err)
	require.Len(t, plain, 2, "without records the chain stops at 7")
	assert.Nil(t, plain[1].ParentExited)

	chain, err := CreationChainWithAncestors(s, 20, records)
	require.NoError(t, err)
	var parents []int64
	for _, l := range chain {
		parents = append(parents, l.ParentID)
	}
	assert.Equal(t, []int64{9, 7, 5, 3, 1}, parents)
	assert.False(t, chain[0].FromAncestors)
	assert.True(t, chain[1].FromAncestors)
	assert.Equal(t, "main.stage.func1", chain[1].ParentExited.Start.Function)
	assert.Equal(t, 41, chain[2].GoStatement.Line, "7 was created at 5's recorded go statement")
	assert.False(t, chain[3].FromAncestors, "the snapshot's own record of 3 wins")
	assert.NotNil(t, chain[4].Parent)

	// The tree is one tree again.
	s2, added := WithAncestors(s, map[int64][]model.Ancestor{20: records})
	assert.Equal(t, map[int64]bool{5: true, 7: true}, added)
	assert.Equal(t, "1{3?{5?{7?{9{20}}}}}", shape(BuildTree(s2)))
	assert.Equal(t, "1 7!{9{20}}", shape(BuildTree(s)), "input unchanged")
	assert.Equal(t, []int64{9}, MissingCreators(s))
}
