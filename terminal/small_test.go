package terminal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// A halt that selects no goroutine (a thread in the scheduler) is said as
// such, not as "goroutine 0".
func TestStopOutsideAnyGoroutine(t *testing.T) {
	var b bytes.Buffer
	printState(&b, model.StopState{Location: model.Location{Function: "runtime.futex", File: "/go/src/runtime/sys_linux_amd64.s", Line: 557}})
	assert.Equal(t, "> stopped at runtime.futex /go/src/runtime/sys_linux_amd64.s:557 (in a thread outside any goroutine)\n", b.String())
	b.Reset()
	printState(&b, model.StopState{GoroutineID: 7, Location: model.Location{Function: "main.f", File: "/a/main.go", Line: 3}, Breakpoint: "1"})
	assert.Equal(t, "> goroutine 7 stopped at main.f /a/main.go:3 (breakpoint 1)\n", b.String())
}

// Every command ends its progress reports, however it ended, so that an
// error never lands on a half-written progress line.
func TestCommandsEndProgress(t *testing.T) {
	s := taskSession()
	term := New(s, &bytes.Buffer{}, &bytes.Buffer{})
	var calls []string
	term.Progress = func(stage string, done, total int) {
		calls = append(calls, stage)
		if done < total {
			return
		}
		calls = append(calls, "end")
	}
	_ = term.Execute("where 99999")
	assert.Equal(t, "end", calls[len(calls)-1], "the failed command did not end its progress")
}

// A cancellation that a break-cancel breakpoint catches mid-call is where
// the user asked to be: a note, not a failure.
func TestCancelStoppedByBreakCancel(t *testing.T) {
	s := taskSession()
	s.live = true
	s.cancelErr = fmt.Errorf("cancel task 1: call x: %w cancel7", model.ErrCallInterrupted)
	var out, notes bytes.Buffer
	term := New(s, &out, &notes)
	assert.NoError(t, term.ExecuteContext(context.Background(), "cancel -y t:1"))
	assert.Empty(t, out.String())
	assert.Contains(t, notes.String(), "The cancellation of t:1 poller stopped at a breakpoint inside the call: where, next and step work from here; continue finishes the call")

	s.cancelErr = errors.New("cancel task 1: no safe point")
	assert.ErrorContains(t, term.ExecuteContext(context.Background(), "cancel -y t:1"), "no safe point")
}
