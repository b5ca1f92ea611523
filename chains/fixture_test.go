package chains

import (
	"fmt"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// gr builds a live goroutine blocked in a channel receive in fn, created by
// parent at main.spawn main.go:10 (no go statement when parent is 0).
func gr(id, parent int64, fn string) model.Goroutine {
	g := model.Goroutine{
		ID:         id,
		ParentID:   parent,
		Status:     model.StatusWaiting,
		WaitReason: "chan receive",
		Labels:     map[string]string{},
		Location:   model.Location{Function: fn, File: "/src/app/main.go", Line: 100 + int(id)},
		Start:      model.Location{Function: fn, File: "/src/app/main.go", Line: 1},
	}
	if parent != 0 {
		g.GoStatement = model.Location{Function: "main.spawn", File: "/src/app/main.go", Line: 10}
	}
	return g
}

// ex builds an exited goroutine record.
func ex(id, parent int64, fn string) model.ExitedGoroutine {
	return model.ExitedGoroutine{
		ID:       id,
		ParentID: parent,
		Start:    model.Location{Function: fn, File: "/src/app/main.go", Line: 1},
	}
}

// shape prints a forest compactly: "1{2 3{4}}" for live nodes, "5?" for an
// exited marker with a record, "5!" without one, "7x3" for a node that
// stands for three goroutines.
func shape(nodes []*Node) string {
	parts := make([]string, 0, len(nodes))
	for _, n := range nodes {
		s := fmt.Sprint(n.ID)
		switch {
		case n.CallbackID:
			s += "&"
		case n.Goroutine == nil && n.Exited != nil:
			s += "?"
		case n.Goroutine == nil:
			s += "!"
		}
		if n.Count > 1 {
			s += fmt.Sprintf("x%d", n.Count)
		}
		if len(n.Children) > 0 {
			s += "{" + shape(n.Children) + "}"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func ids(gs []model.Goroutine) []int64 {
	out := make([]int64, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}
