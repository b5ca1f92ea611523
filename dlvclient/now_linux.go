package dlvclient

import (
	"syscall"
	"unsafe"
)

// hostMonotonic reads this host's CLOCK_MONOTONIC, the Go runtime's nanotime.
func hostMonotonic() (int64, bool) {
	var ts syscall.Timespec
	const clockMonotonic = 1
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, false
	}
	return ts.Nano(), true
}
