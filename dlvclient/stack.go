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

// Symbolize resolves program counters to frames, one Delve lookup per
// distinct pc; return addresses (as recorded by runtime.Callers) are moved
// back into their call instruction. Inlined calls at a pc become frames of
// their own (from the executable's DWARF, when dlv-tasks can read it), so a
// stack may have more frames than pcs.
func (s *Session) Symbolize(pcs []uint64, returnAddresses bool) []model.Frame {
	frames := make([][]model.Frame, len(pcs))
	for i, pc := range pcs {
		frames[i] = s.symbolizeFrames(pc, returnAddresses)
	}
	return joinExpanded(frames)
}

// joinExpanded concatenates the frames of consecutive pcs of one stack.
// runtime.Callers already reports an outer inlined level as a pc of its own
// (the inline mark), which symbolizes to exactly the call-site frame an
// expansion added: such a pc is absorbed, not repeated.
func joinExpanded(perPC [][]model.Frame) []model.Frame {
	var out []model.Frame
	var pending []model.Frame // outer frames added by the last expansion
	for _, fs := range perPC {
		if len(fs) == 1 && len(pending) > 0 && sameFrame(fs[0], pending[0]) {
			pending = pending[1:]
			continue
		}
		out = append(out, fs...)
		pending = nil
		if len(fs) > 1 {
			pending = fs[1:]
		}
	}
	return out
}

func sameFrame(a, b model.Frame) bool {
	return a.Function == b.Function && a.File == b.File && a.Line == b.Line
}

// symbolizeFrames is the frames of one pc, innermost first.
func (s *Session) symbolizeFrames(pc uint64, isReturn bool) []model.Frame {
	loc := s.symbolize(pc, isReturn)
	lookup := pc
	if isReturn && pc > 0 {
		lookup--
	}
	return expandFrame(s.inlines(), lookup, loc)
}

// inlines opens the executable's inline table once; nil when the session
// has no local executable (connect) or it cannot be read.
func (s *Session) inlines() *inlineTable {
	s.inlineOnce.Do(func() {
		if s.target.Executable == "" {
			return
		}
		s.inlineTab, _ = openInlineTable(s.target.Executable)
	})
	return s.inlineTab
}
