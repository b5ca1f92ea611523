package chains

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// hops summarizes a chain as child>parent pairs with the parent's fate:
// "+" alive, "?" exited with record, "!" exited without record.
func hops(chain []Link) []string {
	out := []string{}
	for _, l := range chain {
		fate := "!"
		switch {
		case l.Parent != nil:
			fate = "+"
		case l.ParentExited != nil:
			fate = "?"
		}
		out = append(out, itoa(l.ChildID)+">"+itoa(l.ParentID)+fate)
	}
	return out
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestCreationChain(t *testing.T) {
	s := &model.Snapshot{
		Goroutines: []model.Goroutine{
			gr(1, 0, "main.main"), gr(7, 1, "main.a"), gr(8, 7, "main.b"),
			gr(20, 5, "main.w"), gr(30, 9, "main.x"),
			gr(40, 41, "main.c1"), gr(41, 40, "main.c2"),
		},
		Exited: []model.ExitedGoroutine{ex(5, 4, "main.mid"), ex(4, 1, "main.top"), ex(9, 99, "main.lost")},
	}
	s.Sort()
	tests := []struct {
		id   int64
		want []string
	}{
		{1, []string{}},
		{8, []string{"8>7+", "7>1+"}},
		{20, []string{"20>5?", "5>4?", "4>1+"}},
		{5, []string{"5>4?", "4>1+"}},
		{30, []string{"30>9?", "9>99!"}},
		{40, []string{"40>41+"}},
	}
	for _, tt := range tests {
		chain, err := CreationChain(s, tt.id)
		require.NoError(t, err)
		assert.Equal(t, tt.want, hops(chain), "goroutine %d", tt.id)
	}

	chain, err := CreationChain(s, 8)
	require.NoError(t, err)
	assert.Equal(t, s.Goroutines[2].GoStatement, chain[0].GoStatement)
	assert.Same(t, s.Goroutine(7), chain[0].Parent)

	_, err = CreationChain(s, 1234)
	assert.EqualError(t, err, "goroutine 1234 not found")
}

func TestCreationChainCap(t *testing.T) {
	var ex []model.ExitedGoroutine
	for i := int64(1); i <= MaxChainHops+100; i++ {
		ex = append(ex, model.ExitedGoroutine{ID: i, ParentID: i + 1})
	}
	chain, err := CreationChain(&model.Snapshot{Exited: ex}, 1)
	require.NoError(t, err)
	assert.Len(t, chain, MaxChainHops)
}
