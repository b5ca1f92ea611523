package chains

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// ErrNoTracker is returned by task queries on a target that does not link
// the tracker package.
var ErrNoTracker = errors.New("the target does not use the tracker (" + model.TrackerPackage + ")")

// ID names a goroutine or a tracker task on the command line: a bare number
// is a goroutine id, "t:N" a tracker task id. Exactly one of Goroutine and
// Task is non-zero.
type ID struct {
	Goroutine int64
	Task      uint64
}

// IsTask reports whether id names a tracker task.
func (id ID) IsTask() bool { return id.Task != 0 }

// String formats id the way ParseID reads it.
func (id ID) String() string {
	if id.IsTask() {
		return "t:" + strconv.FormatUint(id.Task, 10)
	}
	return strconv.FormatInt(id.Goroutine, 10)
}

// ParseID parses "N" (goroutine N) or "t:N" (task N); ids start at 1.
func ParseID(s string) (ID, error) {
	if rest, ok := strings.CutPrefix(s, "t:"); ok {
		n, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || n == 0 {
			return ID{}, fmt.Errorf("invalid task id %q (want t:N, N >= 1)", s)
		}
		return ID{Task: n}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return ID{}, fmt.Errorf("invalid id %q (want a goroutine id N or a task id t:N)", s)
	}
	return ID{Goroutine: n}, nil
}

// UnknownTaskError reports a task id that the tracker does not know.
type UnknownTaskError struct{ ID uint64 }

func (e *UnknownTaskError) Error() string { return "unknown task " + strconv.FormatUint(e.ID, 10) }
