package dlvclient

import (
	"errors"
	"fmt"
)

// Bounds on the sizes a user may ask Delve for. Delve allocates for the
// size it is given before it walks anything (a stack of depth N is a slice
// of N+1 frames), so an unchecked `where -depth 99999999999` exhausts memory
// and kills dlv-tasks while it is attached to a live process.
const (
	// MaxStackDepth bounds the frames of one stack read (where -depth) and
	// the frame index an expression is evaluated in (print -frame). The
	// runtime's own tracebacks print at most 100 frames; a goroutine deeper
	// than this is shown cut.
	MaxStackDepth = 10000
)

// ErrLimit is returned, wrapped in a message naming the limit, for a size
// beyond what dlv-tasks asks of Delve.
var ErrLimit = errors.New("beyond dlv-tasks' limit")

// checkRange refuses a user-given size outside [lo, hi] before it reaches
// Delve; what names the size for the message (e.g. "stack depth").
func checkRange(what string, n, lo, hi int) error {
	if n < lo || n > hi {
		return fmt.Errorf("%s %d: %w (%d to %d)", what, n, ErrLimit, lo, hi)
	}
	return nil
}
