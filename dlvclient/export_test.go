package dlvclient

import "github.com/dlv-tasks/dlv-tasks/model"

// Symbolize resolves program counters to frames, one Delve lookup per
// distinct pc (return addresses moved back into their call instruction),
// inlined calls expanded: for the oracle tests, which read frame 0 the way
// the runtime's traceback does.
func (s *Session) Symbolize(pcs []uint64, returnAddresses bool) []model.Frame {
	frames := make([][]model.Frame, len(pcs))
	for i, pc := range pcs {
		frames[i] = s.symbolizeFrames(pc, returnAddresses)
	}
	return joinExpanded(frames)
}
