package model

import "errors"

// This file holds the values a debugging session hands its faces besides
// snapshots: where the target stopped, its breakpoints, progress reports and
// the errors every source (live process, core, dump) shares. dlvclient
// aliases them, so a face declares the session it needs without importing
// the Delve client.

// Progress is told how far a long read has come: stage names the step,
// done counts items out of total (total may be an estimate).
type Progress func(stage string, done, total int)

// StopState is where the target stopped after an execution command.
type StopState struct {
	// Exited is true when the target has exited; ExitStatus is its status.
	Exited     bool
	ExitStatus int
	// GoroutineID is the selected goroutine (0 if none).
	GoroutineID int64
	// Location is the selected goroutine's (or thread's) current location.
	Location Location
	// Breakpoint names the breakpoint that was hit, if any.
	Breakpoint string
	// StepInterrupted is set when next, step or stepout stopped early at a
	// breakpoint hit by another goroutine; the step was then cancelled, as
	// Delve's terminal does when told to stop.
	StepInterrupted bool
}

// Breakpoint is a breakpoint set in the target.
type Breakpoint struct {
	ID       int
	Name     string
	Location Location
	Cond     string
	HitCount uint64
}

// DefaultStackDepth is how many frames a stack read returns unless asked
// otherwise.
const DefaultStackDepth = 64

// WholeStackDepth is the depth to read a stack to when its bottom matters
// (grouping by origin or by stack): deep enough for all but runaway
// recursion, which then shows as cut.
const WholeStackDepth = 512

// Bounds of the ancestor records read per goroutine: the runtime keeps at
// most GODEBUG=tracebackancestors=N of them, each a stack of at most 50 pcs.
const (
	MaxAncestors     = 256
	AncestorStackMax = 64
)

// ErrUnknownGoroutine is returned for a goroutine id the target does not have.
var ErrUnknownGoroutine = errors.New("unknown goroutine")

// ErrExited is returned by commands that need a running target after the
// target has exited.
var ErrExited = errors.New("the target has exited")

// ErrCallInterrupted is returned when a function call injected into the
// target stopped at a breakpoint before returning; it completes when the
// target continues.
var ErrCallInterrupted = errors.New("the call stopped at breakpoint")

// ErrNotLive is returned by commands that need a live target on a core dump.
var ErrNotLive = errors.New("not possible on a core dump: nothing can run")
