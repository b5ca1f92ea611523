package render

import (
	"encoding/json"
	"io"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// JSON writes v as one indented JSON document followed by a newline,
// without HTML escaping.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// PsJSON returns the document of ps --json: a copy of gs, never nil, in
// which every goroutine's labels encode as {} rather than null and a task's
// created stack as [] rather than null.
func PsJSON(gs []model.Goroutine) []model.Goroutine {
	out := make([]model.Goroutine, len(gs))
	for i := range gs {
		out[i] = normalized(&gs[i])
	}
	return out
}

// normalized returns a copy of g whose nil collections encode as empty.
func normalized(g *model.Goroutine) model.Goroutine {
	c := *g
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	if c.Task != nil && c.Task.Created == nil {
		t := *c.Task
		t.Created = []model.Frame{}
		c.Task = &t
	}
	return c
}

// nonNil returns s, or an empty slice when s is nil, so that it encodes
// as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
