package chains

import (
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// State returns the one-word summary of what g is doing: its wait reason
// when it is waiting and the reason is known, otherwise its status
// ("unknown" when the status is empty).
func State(g *model.Goroutine) string {
	if g.Status == model.StatusWaiting && g.WaitReason != "" {
		return g.WaitReason
	}
	if g.Status == "" {
		return model.StatusUnknown
	}
	return g.Status
}

// IsRuntime reports whether fn, a fully qualified function name, belongs to
// the runtime proper: package runtime or one of its internal packages.
func IsRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") ||
		strings.HasPrefix(fn, "internal/runtime/") ||
		strings.HasPrefix(fn, "runtime/internal/")
}
