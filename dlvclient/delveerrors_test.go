package dlvclient

import (
	"errors"
	"fmt"
	"net/rpc"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDelveErrorKinds holds, for every message dlv-tasks recognises, the
// text Delve v1.27.2 (or the Go runtime, or net/rpc) produces, as it
// arrives over JSON-RPC, and the kinds it must — and only those — mean.
func TestDelveErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		msg   string
		kinds []*delveError
	}{
		// pkg/proc/variables.go FindGoroutine
		{"unknown goroutine 424242", []*delveError{errDelveUnknownGoroutine}},
		// pkg/proc/target.go ErrNoRuntimeAllG
		{"could not find goroutine array", []*delveError{errDelveGoroutineNotFound, errDelveCallNotHere}},
		// pkg/proc/target.go ErrProcessExited; service/rpc2/client.go Continue
		{"Process 4242 has exited with status 3", []*delveError{errDelveProcessExited}},
		// pkg/proc/eval.go
		{"unable to find locals: no debug information present in binary", []*delveError{errDelveNoDebugInfo}},
		{"unable to find function context", []*delveError{errDelveNoDebugInfo}},
		// pkg/proc/bininfo.go ErrNoDebugInfoFound
		{"could not launch process: could not open debug info", []*delveError{errDelveNoDebugInfo}},
		// ptrace(PTRACE_ATTACH) refused by yama or another tracer
		{"could not attach to pid 1: operation not permitted", []*delveError{errDelvePtraceRefused}},
		// net/rpc ErrShutdown, a closed socket, a server gone mid-answer
		{rpc.ErrShutdown.Error(), []*delveError{errDelveConnClosed}},
		{"read tcp 127.0.0.1:40000->127.0.0.1:2345: use of closed network connection", []*delveError{errDelveConnClosed}},
		{"unexpected EOF", []*delveError{errDelveConnClosed}},
		// pkg/proc/eval.go: runtime.allgs at the entry point, before the runtime started
		{`can not index "runtime.allgs"`, []*delveError{errDelveCannotIndex}},
		// pkg/proc/variables.go errTracebackAncestorsDisabled
		{"tracebackancestors is disabled", []*delveError{errDelveAncestorsDisabled}},
		// pkg/proc/eval.go, pkg/proc/evalop/evalcompile.go
		{`could not find symbol value for "github.com/dlv-tasks/dlv-tasks/tracker"`, []*delveError{errDelveNoSymbol}},
		{"could not find symbol github.com/dlv-tasks/dlv-tasks/tracker.root", []*delveError{errDelveNoSymbol}},
		// pkg/proc/fncall.go
		{"can not call optimized function github.com/dlv-tasks/dlv-tasks/tracker.debuggerCancelTask when regabi is in use", []*delveError{errDelveOptimizedCall}},
		{"no goroutine selected", []*delveError{errDelveCallNotHere}},
		{"selected goroutine not running", []*delveError{errDelveCallNotHere}},
		{"not enough stack space", []*delveError{errDelveCallNotHere}},
		// the runtime's debugCallCheck (runtime/debugcall.go)
		{"call not at safe point", []*delveError{errDelveCallNotHere}},
		{"call from within the Go runtime", []*delveError{errDelveCallNotHere}},
		{"call from unknown function", []*delveError{errDelveCallNotHere}},
		{"executing on Go runtime stack", []*delveError{errDelveCallNotHere}},
		// Messages that mean none of them.
		{"could not find breakpoint", nil},
		{"invalid memory address 0x0", nil},
		{`location "main.nosuch" not found`, nil},
	} {
		err := fmt.Errorf("rpc: %w", errors.New(tc.msg))
		for _, kind := range delveErrorKinds {
			want := false
			for _, k := range tc.kinds {
				want = want || k == kind
			}
			assert.Equal(t, want, isDelveError(err, kind), "%q is %s: %v", tc.msg, kind.name, want)
		}
	}
	// Every kind is covered by a message above.
	assert.Len(t, delveErrorKinds, 11)
	assert.False(t, isDelveError(nil, errDelveUnknownGoroutine))
	assert.True(t, isDelveError(fmt.Errorf("wrapped: %w", errDelveNoSymbol), errDelveNoSymbol), "the kind itself, wrapped, is the kind")
}

func TestDelveExitStatus(t *testing.T) {
	status, ok := delveExitStatus(errors.New("Process 4242 has exited with status 3"))
	assert.True(t, ok)
	assert.Equal(t, 3, status)
	status, ok = delveExitStatus(errors.New("Process 17 has exited with status 0"))
	assert.True(t, ok)
	assert.Equal(t, 0, status)
	_, ok = delveExitStatus(errors.New("unknown goroutine 1"))
	assert.False(t, ok)
	_, ok = delveExitStatus(nil)
	assert.False(t, ok)
}
