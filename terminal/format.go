package terminal

import (
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// ErrorLine is how a face shows a failed command: one line, with every
// character a terminal could act on escaped (an error may quote target
// memory: a task name, a function, a value).
func ErrorLine(err error) string {
	return "error: " + render.Safe(err.Error())
}

func formatLoc(l model.Location) string {
	if l.IsZero() {
		return "?"
	}
	return fmt.Sprintf("%s %s:%d", render.Safe(l.Function), render.Safe(l.File), l.Line)
}
