package dlvclient

import (
	"fmt"
	"strings"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// DefaultStackDepth is how many frames Stack reads unless asked otherwise.
const DefaultStackDepth = 64

// ErrUnknownGoroutine is returned for a goroutine id the target does not have.
var ErrUnknownGoroutine = fmt.Errorf("unknown goroutine")

// Stack returns the stack of goroutine id, innermost frame first.
func (s *Session) Stack(id int64, depth int) ([]model.Frame, error) {
	if depth <= 0 {
		depth = DefaultStackDepth
	}
	frames, err := s.client.Stacktrace(id, depth, 0, 0, nil)
	if err != nil {
		if strings.Contains(err.Error(), "unknown goroutine") {
			return nil, fmt.Errorf("goroutine %d: %w", id, ErrUnknownGoroutine)
		}
		return nil, s.checkExited(fmt.Errorf("stack of goroutine %d: %w", id, err))
	}
	return convertFrames(frames), nil
}

func convertFrames(frames []api.Stackframe) []model.Frame {
	out := make([]model.Frame, len(frames))
	for i, f := range frames {
		out[i] = model.Frame{Location: convertLocation(f.Location), Err: f.Err}
	}
	return out
}

// Ancestors returns the stacks the runtime recorded for the creators of
// goroutine id. The runtime keeps them only with
// GODEBUG=tracebackancestors=N; without it the result is empty and
// enabled is false.
func (s *Session) Ancestors(id int64, n, depth int) (ancestors []model.Ancestor, enabled bool, err error) {
	as, err := s.client.Ancestors(id, n, depth)
	if err != nil {
		if strings.Contains(err.Error(), "tracebackancestors is disabled") {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("ancestors of goroutine %d: %w", id, err)
	}
	out := make([]model.Ancestor, len(as))
	for i, a := range as {
		out[i] = model.Ancestor{ID: a.ID, Stack: convertFrames(a.Stack), Unreadable: a.Unreadable}
	}
	return out, true, nil
}

// Symbolize resolves program counters to locations, one Delve lookup per
// distinct pc; return addresses (as recorded by runtime.Callers) are moved
// back into their call instruction.
func (s *Session) Symbolize(pcs []uint64, returnAddresses bool) []model.Frame {
	out := make([]model.Frame, 0, len(pcs))
	for _, pc := range pcs {
		out = append(out, model.Frame{Location: s.symbolize(pc, returnAddresses)})
	}
	return out
}
