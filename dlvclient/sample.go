package dlvclient

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// SnapshotTime returns when the target was as its snapshot shows it, where
// the session knows it: for a core, when the core file was last written
// (the kernel and Delve's dump write it as the process stops). Live
// sessions return false: their snapshots are stamped by the reader's clock.
func (s *Session) SnapshotTime() (time.Time, bool) {
	if s.target.Kind != KindCore || s.target.Core == "" {
		return time.Time{}, false
	}
	fi, err := os.Stat(s.target.Core)
	if err != nil {
		return time.Time{}, false
	}
	return fi.ModTime(), true
}

// BuildID returns the Go build id note of the executable as the target's
// memory holds it (for a core: as the core recorded it, or the executable's
// own bytes when the core does not hold that page). Two targets of one
// build have the same one.
func (s *Session) BuildID() ([]byte, error) {
	addr, note, err := goBuildIDNote(s.target.Executable)
	if err != nil {
		return nil, fmt.Errorf("read the Go build id of %s: %w", s.target.Executable, err)
	}
	got, _, err := s.client.ExamineMemory(addr, len(note))
	if err != nil {
		return nil, fmt.Errorf("read the Go build id in the target: %w", err)
	}
	if len(got) != len(note) {
		return nil, errors.New("read the Go build id in the target: short read")
	}
	return got, nil
}
