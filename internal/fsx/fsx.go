// Package fsx holds the small file-system helpers that several dlv-tasks
// packages share.
package fsx

import "os"

// FileKind names a non-regular file's type for a message ("a FIFO", "a
// directory", …).
func FileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m.IsDir():
		return "a directory"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
