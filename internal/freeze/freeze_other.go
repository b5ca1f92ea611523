//go:build !(linux && amd64)

package freeze

import (
	"fmt"
	"time"
)

// Frozen is a process whose threads are all stopped; on this platform there
// is never one.
type Frozen struct{}

// Freeze returns ErrUnsupported: it is implemented on linux/amd64 only.
func Freeze(pid int) (*Frozen, error) {
	return nil, fmt.Errorf("freeze pid %d: %w", pid, ErrUnsupported)
}

// Pid returns 0.
func (f *Frozen) Pid() int { return 0 }

// Threads returns nothing.
func (f *Frozen) Threads() []Thread { return nil }

// StopLatency returns 0.
func (f *Frozen) StopLatency() time.Duration { return 0 }

// Pause returns 0.
func (f *Frozen) Pause() time.Duration { return 0 }

// Thaw returns ErrUnsupported.
func (f *Frozen) Thaw() error { return ErrUnsupported }

// ReadMemory returns ErrUnsupported.
func (f *Frozen) ReadMemory(p []byte, addr uint64) error { return ErrUnsupported }

// ReadRanges returns ErrUnsupported.
func (f *Frozen) ReadRanges(rs []Range) error { return ErrUnsupported }
