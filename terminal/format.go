package terminal

import (
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func formatLoc(l model.Location) string {
	if l.IsZero() {
		return "?"
	}
	return fmt.Sprintf("%s %s:%d", l.Function, l.File, l.Line)
}
