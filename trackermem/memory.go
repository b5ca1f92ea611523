package trackermem

import (
	"context"
	"errors"
	"fmt"
)

// Memory reads the target's memory.
type Memory interface {
	// ReadMemory fills p with the bytes at addr, all of them or an error.
	// The reader asks for at most MaxRead bytes at a time.
	ReadMemory(p []byte, addr uint64) error
}

// MaxRead is the most bytes the decoder asks Memory for in one call (the
// limit of Delve's ExamineMemory).
const MaxRead = 1 << 16

// ErrBudget is returned when a read would exceed Options.MaxBytes.
var ErrBudget = errors.New("tracker read budget exhausted")

// reader wraps a Memory with byte accounting, a budget and a context.
type reader struct {
	ctx    context.Context
	mem    Memory
	budget int64 // bytes left; <0 after exhaustion
	reads  int
	bytes  int64
}

// read fills p from addr in pieces of at most MaxRead bytes.
func (r *reader) read(p []byte, addr uint64) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if addr+uint64(len(p)) < addr {
		return fmt.Errorf("read %d bytes at %#x: address overflow", len(p), addr)
	}
	if int64(len(p)) > r.budget {
		r.budget = -1
		return ErrBudget
	}
	r.budget -= int64(len(p))
	for off := 0; off < len(p); off += MaxRead {
		end := min(off+MaxRead, len(p))
		r.reads++
		if err := r.mem.ReadMemory(p[off:end], addr+uint64(off)); err != nil {
			return fmt.Errorf("read %d bytes at %#x: %w", end-off, addr+uint64(off), err)
		}
		r.bytes += int64(end - off)
	}
	return nil
}
