package render

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func jsonString(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, JSON(&b, v))
	return b.String()
}

func TestJSONEncoding(t *testing.T) {
	assert.Equal(t, "{\n  \"k\": \"<no label a&b>\"\n}\n", jsonString(t, map[string]string{"k": "<no label a&b>"}))
}

func TestPsJSON(t *testing.T) {
	gs := []model.Goroutine{{ID: 1, Task: &model.Task{ID: 2}}}
	doc := PsJSON(gs)
	assert.Nil(t, gs[0].Labels, "input modified")
	assert.Nil(t, gs[0].Task.Created, "input modified")
	out := jsonString(t, doc)
	assert.Contains(t, out, `"labels": {}`)
	assert.Contains(t, out, `"created": []`)
	assert.Contains(t, out, `"parent_id": 0`)
	assert.Contains(t, out, `"go_statement": {`)
	assert.Equal(t, "[]\n", jsonString(t, PsJSON(nil)))
}

func TestWhereDoc(t *testing.T) {
	s := whereSnapshot()
	chain, err := chains.CreationChain(s, 12)
	require.NoError(t, err)
	doc := NewWhereDoc(nil, nil, false, chain, []model.Ancestor{{ID: 5}})
	assert.Equal(t, `{
  "goroutine": null,
  "stack": [],
  "stack_cut": false,
  "creation_chain": [
    {
      "child_id": 12,
      "parent_id": 5,
      "go_statement": {
        "function": "main.main",
        "file": "/home/u/app/cmd/main.go",
        "line": 22
      },
      "parent_alive": false,
      "parent_location": null,
      "parent_state": "exited",
      "parent_exited_start": {
        "function": "",
        "file": "",
        "line": 0
      }
    },
    {
      "child_id": 5,
      "parent_id": 4,
      "go_statement": {
        "function": "main.starter",
        "file": "/home/u/app/cmd/main.go",
        "line": 55
      },
      "parent_alive": false,
      "parent_location": null,
      "parent_state": "exited",
      "parent_exited_start": {
        "function": "main.starter",
        "file": "/home/u/app/cmd/main.go",
        "line": 50
      }
    },
    {
      "child_id": 4,
      "parent_id": 1,
      "go_statement": {
        "function": "main.main",
        "file": "/home/u/app/cmd/main.go",
        "line": 23
      },
      "parent_alive": true,
      "parent_location": {
        "function": "main.main",
        "file": "/home/u/app/cmd/main.go",
        "line": 20
      },
      "parent_state": "running",
      "parent_exited_start": null
    }
  ],
  "ancestors": [
    {
      "id": 5,
      "stack": []
    }
  ]
}
`, jsonString(t, doc))

	empty := jsonString(t, NewWhereDoc(s.Goroutine(1), nil, false, nil, nil))
	assert.Contains(t, empty, `"stack": [],
  "stack_cut": false,
  "creation_chain": [],
  "ancestors": []`)
	assert.Contains(t, empty, `"labels": {}`)
}

func TestTreeDoc(t *testing.T) {
	s := &model.Snapshot{Goroutines: []model.Goroutine{
		{ID: 20, ParentID: 5, Status: model.StatusWaiting, WaitReason: "select", Start: loc("main.w", 1)},
		{ID: 21, ParentID: 5, Status: model.StatusWaiting, WaitReason: "select", Start: loc("main.w", 1)},
	}}
	docs := NewTreeDocs(chains.Collapse(chains.BuildTree(s)))
	assert.Equal(t, []TreeDoc{{
		ID: 5, Exited: true, Count: 1, IDs: []int64{5},
		Children: []TreeDoc{{
			ID: 20, Count: 2, IDs: []int64{20, 21}, Status: "waiting", WaitReason: "select",
			Start: loc("main.w", 0), Children: []TreeDoc{},
		}},
	}}, docs)
	assert.Contains(t, jsonString(t, docs), `"children": []`)
	assert.Equal(t, "[]\n", jsonString(t, NewTreeDocs(nil)))

	// A folded node claims no line its goroutines do not share.
	s.Goroutines[0].Location, s.Goroutines[1].Location = loc("main.w", 40), loc("main.w", 41)
	folded := NewTreeDocs(chains.Collapse(chains.BuildTree(s)))[0].Children[0]
	assert.Equal(t, 2, folded.Count)
	assert.Equal(t, model.Location{Function: "main.w", File: "/home/u/app/cmd/main.go"}, folded.Location)
	assert.Zero(t, folded.Start.Line)
}

func TestGroupDocs(t *testing.T) {
	docs := NewGroupDocs([]chains.Group{{Key: "<no label task>", Count: 0}})
	assert.Equal(t, `[
  {
    "key": "<no label task>",
    "count": 0,
    "ids": [],
    "states": {}
  }
]
`, jsonString(t, docs))
}
