package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
)

// openSnapshot takes a low-pause snapshot of pid and says on stderr how long
// the target was stopped; where a snapshot is not possible for this target
// it attaches Delve instead, and says so (or, where this process may not
// trace the target, lets Delve's attach explain).
func openSnapshot(pid int) (*dlvclient.Session, error) {
	s, err := dlvclient.AttachSnapshot(pid)
	if errors.Is(err, dlvclient.ErrSnapshotNotPermitted) {
		return dlvclient.Attach(pid) // Delve's attach says why in its words
	}
	if errors.Is(err, dlvclient.ErrSnapshotUnsupported) {
		fmt.Fprintf(os.Stderr, "dlv-tasks: %v; attaching Delve instead\n", err)
		return dlvclient.Attach(pid)
	}
	if err != nil {
		return nil, err
	}
	if st, ok := s.SnapshotStats(); ok {
		fmt.Fprintf(os.Stderr, "dlv-tasks: target paused %s to copy %s of its memory (%d threads); it runs on\n",
			roundPause(st.Pause), byteSize(st.Copied), st.Threads)
	}
	return s, nil
}

// roundPause rounds a pause to what a reader compares: milliseconds, or
// microseconds under one.
func roundPause(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// byteSize says n bytes in KiB or MiB.
func byteSize(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
