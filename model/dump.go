package model

import "errors"

// KindDump is Target.Kind for a goroutine dump read from text (a crash or
// SIGQUIT traceback, a debug=2 goroutine profile, runtime.Stack output).
// Such a snapshot knows only what the text prints: Waited is the header's
// whole minutes (a lower bound at minute granularity), Start has no line,
// and there are no exited goroutines, tracker records or contexts.
const KindDump = "dump"

// ErrDumpNotLive is returned by commands that need a process on a goroutine
// dump.
var ErrDumpNotLive = errors.New("not possible on a goroutine dump: nothing can run")
