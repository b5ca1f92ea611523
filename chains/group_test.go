package chains

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestParseGroupKey(t *testing.T) {
	for _, k := range []GroupKey{GroupByCreation, GroupByLocation, GroupByStart, GroupByLabel, GroupByParent, GroupByTask, GroupByGroup, GroupByOrigin, GroupByStack} {
		got, err := ParseGroupKey(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	got, err := ParseGroupKey("Label")
	require.NoError(t, err)
	assert.Equal(t, GroupByLabel, got)
	_, err = ParseGroupKey("site")
	assert.EqualError(t, err, `unknown group key "site" (want creation|location|start|label|parent|task|group|origin|stack)`)
}

func TestGroupGoroutines(t *testing.T) {
	gs := filterFixture()
	tests := []struct {
		key      GroupKey
		labelKey string
		want     []Group
	}{
		{GroupByStart, "", []Group{
			{Key: "main.worker", Count: 2, IDs: []int64{3, 4}, States: map[string]int{"chan receive": 2}},
			{Key: "main.main", Count: 1, IDs: []int64{1}, States: map[string]int{"running": 1}},
			{Key: "net/http.(*conn).serve", Count: 1, IDs: []int64{5}, States: map[string]int{"leaked": 1}},
			{Key: "runtime.forcegchelper", Count: 1, IDs: []int64{2}, States: map[string]int{"force gc (idle)": 1}},
		}},
		{GroupByParent, "", []Group{
			{Key: "goroutine 1", Count: 3, IDs: []int64{3, 4, 5}, States: map[string]int{"chan receive": 2, "leaked": 1}},
			{Key: "none", Count: 2, IDs: []int64{1, 2}, States: map[string]int{"running": 1, "force gc (idle)": 1}},
		}},
		{GroupByLabel, "task", []Group{
			{Key: "<no label task>", Count: 2, IDs: []int64{2, 5}, States: map[string]int{"force gc (idle)": 1, "leaked": 1}},
			{Key: "worker", Count: 2, IDs: []int64{3, 4}, States: map[string]int{"chan receive": 2}},
			{Key: "main", Count: 1, IDs: []int64{1}, States: map[string]int{"running": 1}},
		}},
		{GroupByCreation, "", []Group{
			{Key: "<unknown>", Count: 2, IDs: []int64{1, 2}, States: map[string]int{"running": 1, "force gc (idle)": 1}},
			{Key: "main.spawn /src/app/main.go:10", Count: 2, IDs: []int64{3, 4}, States: map[string]int{"chan receive": 2}},
			{Key: "net/http.(*Server).Serve /go/src/net/http/server.go:3000", Count: 1, IDs: []int64{5}, States: map[string]int{"leaked": 1}},
		}},
		{GroupByLocation, "", []Group{
			{Key: "main.main /src/app/main.go:101", Count: 1, IDs: []int64{1}, States: map[string]int{"running": 1}},
			{Key: "main.worker /src/app/main.go:103", Count: 1, IDs: []int64{3}, States: map[string]int{"chan receive": 1}},
			{Key: "main.worker /src/app/main.go:104", Count: 1, IDs: []int64{4}, States: map[string]int{"chan receive": 1}},
			{Key: "net/http.(*conn).serve /go/src/net/http/server.go:105", Count: 1, IDs: []int64{5}, States: map[string]int{"leaked": 1}},
			{Key: "runtime.forcegchelper /src/app/main.go:102", Count: 1, IDs: []int64{2}, States: map[string]int{"force gc (idle)": 1}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.key.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, GroupGoroutines(gs, tt.key, tt.labelKey))
		})
	}
}

func TestGroupIDsSortedAndUnknownKeys(t *testing.T) {
	gs := []model.Goroutine{{ID: 9}, {ID: 2}, {ID: 5}}
	got := GroupGoroutines(gs, GroupByCreation, "")
	require.Len(t, got, 1)
	assert.Equal(t, Group{Key: "<unknown>", Count: 3, IDs: []int64{2, 5, 9}, States: map[string]int{"unknown": 3}}, got[0])
	assert.Equal(t, "<unknown>", GroupGoroutines(gs, GroupByStart, "")[0].Key)
	assert.Empty(t, GroupGoroutines(nil, GroupByStart, ""))
}
