package dlvclient

import (
	"errors"
	"fmt"
	"strings"
)

// This file is the one place that reads Delve's error text. Over JSON-RPC
// every Delve error arrives as a string, so a kind of failure dlv-tasks
// reacts to can only be recognised by its message; each kind below lists
// the messages that mean it (as Delve v1.27.2, the Go runtime and net/rpc
// word them), and delveerrors_test.go holds one real message per entry. A
// Delve upgrade that rewords one breaks that test, not the feature.

// delveError is a kind of Delve failure, recognised by its messages.
type delveError struct {
	name  string
	texts []string
}

func (e *delveError) Error() string { return "delve: " + e.name }

var (
	// errDelveUnknownGoroutine: the goroutine id is not in the target
	// (pkg/proc/variables.go).
	errDelveUnknownGoroutine = &delveError{"unknown goroutine", []string{"unknown goroutine"}}
	// errDelveGoroutineNotFound: Delve could not find a goroutine, or the
	// runtime's goroutine array (pkg/proc/target.go).
	errDelveGoroutineNotFound = &delveError{"goroutine not found", []string{"could not find goroutine"}}
	// errDelveProcessExited: the target has exited (pkg/proc/target.go
	// ErrProcessExited, service/rpc2/client.go).
	errDelveProcessExited = &delveError{"process exited", []string{"has exited with status"}}
	// errDelveNoDebugInfo: the binary has no DWARF (pkg/proc/bininfo.go,
	// pkg/proc/eval.go).
	errDelveNoDebugInfo = &delveError{"no debug info", []string{"could not open debug info", "no debug info", "unable to find function context"}}
	// errDelvePtraceRefused: the kernel refused ptrace.
	errDelvePtraceRefused = &delveError{"ptrace refused", []string{"operation not permitted"}}
	// errDelveConnClosed: the connection to the server is gone (net/rpc
	// ErrShutdown, a closed network connection, EOF).
	errDelveConnClosed = &delveError{"connection closed", []string{"shut down", "closed", "EOF"}}
	// errDelveAncestorsDisabled: the target runs without
	// GODEBUG=tracebackancestors (pkg/proc/variables.go).
	errDelveAncestorsDisabled = &delveError{"tracebackancestors disabled", []string{"tracebackancestors is disabled"}}
	// errDelveNoSymbol: an expression names a symbol the binary does not
	// have (pkg/proc/eval.go, pkg/proc/evalop).
	errDelveNoSymbol = &delveError{"no such symbol", []string{"could not find symbol"}}
	// errDelveCannotIndex: an expression indexes or slices what has no
	// elements yet, as runtime.allgs before the runtime has started
	// (pkg/proc/eval.go).
	errDelveCannotIndex = &delveError{"cannot index", []string{"can not index"}}
	// errDelveOptimizedCall: Delve cannot call an optimized function
	// (pkg/proc/fncall.go).
	errDelveOptimizedCall = &delveError{"optimized function call", []string{"can not call optimized function"}}
	// errDelveCallNotHere: a function call cannot be injected at this
	// goroutine or stop, though it may at another (pkg/proc/fncall.go, the
	// runtime's debugCallCheck).
	errDelveCallNotHere = &delveError{"call not possible here", []string{
		"no goroutine selected", "selected goroutine not running", "goroutine not running",
		"call not at safe point", "call from within the Go runtime", "call from unknown function",
		"executing on Go runtime stack", "not enough stack space", "could not find goroutine",
	}}
)

// delveErrorKinds lists every kind, for the table test.
var delveErrorKinds = []*delveError{
	errDelveUnknownGoroutine, errDelveGoroutineNotFound, errDelveProcessExited, errDelveNoDebugInfo,
	errDelvePtraceRefused, errDelveConnClosed, errDelveAncestorsDisabled, errDelveNoSymbol,
	errDelveOptimizedCall, errDelveCallNotHere, errDelveCannotIndex,
}

// isDelveError reports whether err is a Delve failure of this kind.
func isDelveError(err error, kind *delveError) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, kind) {
		return true
	}
	msg := err.Error()
	for _, t := range kind.texts {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// delveExitStatus returns the exit status in Delve's "Process N has exited
// with status S" error; ok is false for any other error.
func delveExitStatus(err error) (status int, ok bool) {
	if !isDelveError(err, errDelveProcessExited) {
		return 0, false
	}
	msg := err.Error()
	fmt.Sscanf(msg[strings.Index(msg, "has exited with status")+len("has exited with "):], "status %d", &status)
	return status, true
}
