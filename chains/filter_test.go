package chains

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func filterFixture() []model.Goroutine {
	g1 := gr(1, 0, "main.main")
	g1.Status, g1.WaitReason = model.StatusRunning, ""
	g1.Labels = map[string]string{"task": "main"}

	g2 := gr(2, 0, "runtime.forcegchelper")
	g2.WaitReason = "force gc (idle)"
	g2.System = true

	g3 := gr(3, 1, "main.worker")
	g3.Labels = map[string]string{"task": "worker", "shard": "3"}
	g3.Waited = 5 * time.Minute

	g4 := gr(4, 1, "main.worker")
	g4.Labels = map[string]string{"task": "worker", "shard": "4"}
	g4.Waited = 30 * time.Second
	g4.CurrentLocation = model.Location{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 435}

	g5 := gr(5, 1, "net/http.(*conn).serve")
	g5.Status, g5.WaitReason = model.StatusLeaked, "select"
	g5.Location.File = "/go/src/net/http/server.go"
	g5.GoStatement = model.Location{Function: "net/http.(*Server).Serve", File: "/go/src/net/http/server.go", Line: 3000}
	return []model.Goroutine{g1, g2, g3, g4, g5}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"zero matches all", Filter{}, []int64{1, 2, 3, 4, 5}},
		{"user only", Filter{UserOnly: true}, []int64{1, 3, 4, 5}},
		{"label present", Filter{Labels: []LabelMatch{{Key: "shard"}}}, []int64{3, 4}},
		{"label value", Filter{Labels: []LabelMatch{{Key: "task", Value: "worker", HasValue: true}}}, []int64{3, 4}},
		{"labels all must match", Filter{Labels: []LabelMatch{
			{Key: "task", Value: "worker", HasValue: true},
			{Key: "shard", Value: "4", HasValue: true},
		}}, []int64{4}},
		{"label empty value differs from present", Filter{Labels: []LabelMatch{{Key: "task", HasValue: true}}}, []int64{}},
		{"state by status", Filter{States: []string{"RUNNING"}}, []int64{1}},
		{"state by wait reason", Filter{States: []string{"Chan Receive"}}, []int64{3, 4}},
		{"state leaked", Filter{States: []string{"leaked"}}, []int64{5}},
		{"state any of", Filter{States: []string{"running", "select"}}, []int64{1, 5}},
		{"state waiting", Filter{States: []string{"waiting"}}, []int64{2, 3, 4}},
		{"loc function", Filter{Loc: regexp.MustCompile(`^main\.worker$`)}, []int64{3, 4}},
		{"loc file", Filter{Loc: regexp.MustCompile(`net/http/`)}, []int64{5}},
		{"loc file:line", Filter{Loc: regexp.MustCompile(`main\.go:103$`)}, []int64{3}},
		{"loc current location", Filter{Loc: regexp.MustCompile(`proc\.go:435`)}, []int64{4}},
		{"min wait excludes unknown", Filter{MinWait: time.Minute}, []int64{3}},
		{"min wait inclusive", Filter{MinWait: 30 * time.Second}, []int64{3, 4}},
		{"combined", Filter{UserOnly: true, States: []string{"chan receive"}, MinWait: time.Second}, []int64{3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ids(Select(filterFixture(), tt.f)))
		})
	}
}

func TestParseLabelMatch(t *testing.T) {
	assert.Equal(t, LabelMatch{Key: "task"}, ParseLabelMatch("task"))
	assert.Equal(t, LabelMatch{Key: "task", Value: "a=b", HasValue: true}, ParseLabelMatch("task=a=b"))
	assert.Equal(t, LabelMatch{Key: "task", HasValue: true}, ParseLabelMatch("task="))
}

func TestSelectNeverNil(t *testing.T) {
	assert.NotNil(t, Select(nil, Filter{}))
}

func TestStateAndIsRuntime(t *testing.T) {
	g := gr(1, 0, "main.main")
	assert.Equal(t, "chan receive", State(&g))
	g.WaitReason = ""
	assert.Equal(t, "waiting", State(&g))
	g.Status = model.StatusLeaked
	assert.Equal(t, "leaked", State(&g))
	g.Status = ""
	assert.Equal(t, "unknown", State(&g))

	assert.True(t, IsRuntime("runtime.gopark"))
	assert.True(t, IsRuntime("internal/runtime/maps.(*Map).Get"))
	assert.False(t, IsRuntime("runtime/pprof.Do"))
	assert.False(t, IsRuntime("main.runtime"))
}
