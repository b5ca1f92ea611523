package fsx

import (
	"os"
	"testing"
)

func TestFileKind(t *testing.T) {
	for m, want := range map[os.FileMode]string{
		os.ModeNamedPipe: "a FIFO", os.ModeDir: "a directory", os.ModeSocket: "a socket",
		os.ModeDevice: "a device", os.ModeSymlink: "L---------",
	} {
		if got := FileKind(m); got != want {
			t.Errorf("FileKind(%v) = %q, want %q", m, got, want)
		}
	}
}
