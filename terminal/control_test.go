package terminal

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The commands that control a live target, over a fake session.
func TestLiveControlCommands(t *testing.T) {
	s := taskSession()
	s.live = true
	var out, errOut bytes.Buffer
	term := New(s, &out, &errOut)
	run := func(line string) string {
		t.Helper()
		out.Reset()
		errOut.Reset()
		require.NoError(t, term.ExecuteContext(context.Background(), line), line)
		return out.String()
	}
	// note runs a command that changes the target's state: it says so on
	// the side channel, and prints nothing on stdout (kept for output).
	note := func(line string) string {
		t.Helper()
		assert.Empty(t, run(line), "%s printed on stdout", line)
		return errOut.String()
	}
	assert.Equal(t, "Breakpoint 1 set at main.ready /src/app/main.go:9\n", note("break main.ready"))
	assert.Contains(t, note("b main.loop i > 3"), "Breakpoint 2 set at main.loop")
	assert.Equal(t, "i > 3", s.bps[1].Cond, "the condition is the rest of the line")
	bps := run("breakpoints")
	assert.Contains(t, bps, "main.ready /src/app/main.go:9")
	assert.Contains(t, bps, "i > 3")
	for _, line := range []string{"continue", "halt", "next", "step", "stepout"} {
		assert.Equal(t, "> goroutine 1 stopped at main.main /src/app/main.go:40\n", note(line), line)
	}
	assert.Equal(t, "Goroutine 1 at main.main /src/app/main.go:40\n", run("goroutine"))
	assert.Equal(t, "Core dump written to /tmp/x.core\n", note("dump /tmp/x.core"))
	assert.Contains(t, note("break-cancel t:1"), "Breakpoint cancel7 set at context.(*cancelCtx).cancel")

	// cancel asks first; no, then yes; -y does not ask.
	var asked []string
	answer := false
	term.Confirm = func(q string) bool { asked = append(asked, q); return answer }
	assert.Equal(t, "Not cancelled.\n", run("cancel t:1"))
	assert.Empty(t, s.cancelled)
	answer = true
	assert.Contains(t, run("cancel 7"), "Cancelled the context of task t:1 poller (goroutine 7)")
	assert.Equal(t, []string{"Cancel the context of task t:1 poller (goroutine 7)?", "Cancel the context of task t:1 poller (goroutine 7)?"}, asked)
	assert.Contains(t, run("cancel -y t:1"), "was already cancelled")
	assert.Len(t, asked, 2, "-y does not ask")

	// Errors: no task on main, an ended task, no confirmation possible.
	err := term.ExecuteContext(context.Background(), "cancel 1")
	assert.EqualError(t, err, "cancel: goroutine 1 runs no tracker task")
	err = term.ExecuteContext(context.Background(), "cancel t:2")
	assert.ErrorContains(t, err, "where-terminated t:2")
	term.Confirm = nil
	err = term.ExecuteContext(context.Background(), "cancel t:1")
	assert.EqualError(t, err, "cancel: cancelling t:1 poller needs confirmation: pass -y")

	// Execute reads Ctrl-C itself; without one, it runs the command.
	out.Reset()
	require.NoError(t, term.Execute("help where"))
	assert.Contains(t, out.String(), "usage: where [-depth N] [-json] ID|t:N")
	assert.ErrorIs(t, term.Execute("exit"), ErrExit)
	assert.EqualError(t, term.Execute("frobnicate"), `unknown command "frobnicate" (type help)`)
	assert.EqualError(t, term.Execute("ps 'x"), "unterminated ' quote")
	assert.Contains(t, term.CommandNames(), "wt")
	assert.Contains(t, term.Flags("ps"), "-cancelled")
	assert.Nil(t, term.Flags("nosuch"))
}
