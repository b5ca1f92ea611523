package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
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
