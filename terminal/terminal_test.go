package terminal

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/query"
)

// run executes line on a fresh terminal over s and returns its output.
func run(t *testing.T, s Session, line string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = New(s, &out, &errOut).ExecuteContext(context.Background(), line)
	return out.String(), errOut.String(), err
}

// Every command that takes an id takes t:N: a live task is its goroutine,
// an ended one points to where-terminated.
func TestTaskIDsWorkEverywhere(t *testing.T) {
	s := taskSession()
	out, _, err := run(t, s, "where t:1")
	require.NoError(t, err)
	assert.Contains(t, out, "main.poll", "where t:1 shows the stack of the task's goroutine 7")

	_, _, err = run(t, s, "where t:2")
	require.Error(t, err)
	assert.Equal(t, "where: task t:2 loader has already ended (error): where-terminated t:2 shows how", err.Error())

	_, notes, err := run(t, s, "goroutine t:1")
	require.NoError(t, err)
	assert.Contains(t, notes, "Switched to goroutine 7")
	assert.Equal(t, []int64{7}, s.switched)

	term := New(s, &bytes.Buffer{}, &bytes.Buffer{})
	require.NoError(t, term.ExecuteContext(context.Background(), "print -g t:1 x"))
	require.NoError(t, term.ExecuteContext(context.Background(), "print -g 7 y"))
	require.NoError(t, term.ExecuteContext(context.Background(), "print z"))
	assert.Equal(t, []int64{7, 7, -1}, s.evals, "-g takes N or t:N; without it, the selected goroutine")

	for _, line := range []string{"pstree t:1", "cancel-chain t:1", "where-terminated t:2", "ps-terminated"} {
		_, _, err := run(t, s, line)
		assert.NoError(t, err, line)
	}
	_, _, err = run(t, s, "print -g t:x 1")
	assert.ErrorContains(t, err, `invalid task id "t:x"`)
}

// One layer names the command in an error, once.
func TestErrorsNameTheCommandOnce(t *testing.T) {
	s := taskSession()
	for line, want := range map[string]string{
		"where":                "where: missing goroutine id (usage: where [-depth N] [-json] ID|t:N)",
		"w":                    "where: missing goroutine id (usage: where [-depth N] [-json] ID|t:N)",
		"where abc":            `where: invalid goroutine id "abc" (want N, or t:N for a tracker task)`,
		"where 1 2":            "where: wrong number of arguments (usage: where [-depth N] [-json] ID|t:N)",
		"where 99":             "where: goroutine 99: unknown goroutine",
		"print":                "print: missing expression (usage: print [-g ID|t:N] [-frame N] EXPR)",
		"ps -bogus":            "ps: flag provided but not defined: -bogus (usage: " + psUsage + ")",
		"ps -limit -1":         "ps: -limit must be 0 (no limit) or more",
		"pst -limit -1":        "ps-terminated: -limit must be 0 (no limit) or more",
		"break main.f":         "break main.f: not possible on a core dump: nothing can run",
		"clear 3":              "clear 3: no such breakpoint",
		"continue":             "continue: not possible on a core dump: nothing can run",
		"cancel -y t:1":        "cancel: not possible on a core dump: nothing can run",
		"help frobnicate":      `help: unknown command "frobnicate"`,
		"pstree -tasks 1":      "pstree: -tasks takes a task id t:N, not 1",
		"cc t:99":              "cancel-chain: unknown task 99",
		"exit now":             "exit: wrong number of arguments (usage: exit)",
		"ps -group label":      "ps: -group label needs a label key (-group label KEY)",
		"ps -group creation x": `ps: unexpected argument "x" (usage: ` + psUsage + ")",
	} {
		_, _, err := run(t, s, line)
		require.Error(t, err, line)
		assert.Equal(t, want, err.Error(), line)
	}
}

// -limit 0 shows everything, as its help says.
func TestLimitZeroShowsAll(t *testing.T) {
	s := manyGoroutines(5)
	out, _, err := run(t, s, "ps -limit 0")
	require.NoError(t, err)
	assert.Contains(t, out, "5 goroutines\n")
	out, _, err = run(t, s, "ps -limit 2")
	require.NoError(t, err)
	assert.Contains(t, out, "5 goroutines, showing the first 2 (-limit 2)\n")
	out, _, err = run(t, s, "help ps")
	require.NoError(t, err)
	assert.Contains(t, out, "0 shows all")
}

// help's list shows each command's summary whole: one sentence, ending
// with a full stop, never cut.
func TestHelpSummariesAreWholeSentences(t *testing.T) {
	term := New(taskSession(), &bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range term.commands {
		s := c.summary
		require.NotEmpty(t, s, c.names[0])
		assert.True(t, unicode.IsUpper(rune(s[0])), "%s: %q starts a sentence", c.names[0], s)
		assert.True(t, strings.HasSuffix(s, "."), "%s: %q ends a sentence", c.names[0], s)
		assert.Equal(t, 1, strings.Count(s, ". ")+1, "%s: %q is one sentence", c.names[0], s)
		assert.NotContains(t, s, "\n", c.names[0])
		assert.LessOrEqual(t, len(s)+len(strings.Join(c.names, " / "))+6, 100, "%s fits a wide terminal line", c.names[0])
	}
	out, _, err := run(t, taskSession(), "help")
	require.NoError(t, err)
	assert.Contains(t, out, "Resume the target until a breakpoint or exit.")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		assert.True(t, strings.HasSuffix(line, "."), "help line %q is whole", line)
	}
}

// interruptAfter is an output that cancels the command's context once n
// bytes have been written to it, and counts what arrives afterwards.
type interruptAfter struct {
	mu       sync.Mutex
	n        int
	written  int
	after    int
	cancel   func()
	cancelAt time.Time
}

func (w *interruptAfter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancelAt.IsZero() {
		w.written += len(p)
		if w.written >= w.n {
			w.cancelAt = time.Now()
			w.cancel()
		}
	} else {
		w.after += len(p)
	}
	return len(p), nil
}

// Ctrl-C stops a long table being printed, not only being read: 200k
// goroutines through the query layer and the terminal, interrupted after
// the first 64 KiB reach the output.
func TestInterruptStopsPrinting(t *testing.T) {
	const n = 200_000
	s := manyGoroutines(n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &interruptAfter{n: 64 << 10, cancel: cancel}
	term := New(s, out, &bytes.Buffer{})
	err := term.ExecuteContext(ctx, "ps")
	stopped := time.Now()
	require.ErrorIs(t, err, query.ErrInterrupted)
	require.False(t, out.cancelAt.IsZero(), "the table started printing")
	assert.Less(t, stopped.Sub(out.cancelAt), 500*time.Millisecond, "printing stops within half a second")
	assert.Zero(t, out.after, "nothing is written after the interrupt")
	assert.Less(t, out.written, 200<<10, "of a table of %d rows, only the start is printed", n)
	t.Logf("interrupted after %d bytes; stopped %v later, %d bytes after", out.written, stopped.Sub(out.cancelAt), out.after)

	// The terminal is usable again, and the next command prints whole.
	var full bytes.Buffer
	term = New(manyGoroutines(3), &full, &bytes.Buffer{})
	require.NoError(t, term.ExecuteContext(context.Background(), "ps"))
	assert.Contains(t, full.String(), "3 goroutines\n")
}

func TestUninterruptedTableIsWhole(t *testing.T) {
	out, _, err := run(t, manyGoroutines(20_000), "ps")
	require.NoError(t, err)
	assert.Equal(t, 20_000+2, strings.Count(out, "\n"), "header, rows, and the count line")
}

// A failed command is shown on one line whatever its error quotes.
func TestErrorLineIsTerminalSafe(t *testing.T) {
	err := errors.New("cancel t:9: task \x1b]0;PWNED\x07\r\nFAKE LINE t:999")
	line := ErrorLine(err)
	assert.Equal(t, `error: cancel t:9: task \x1b]0;PWNED\a\r\nFAKE LINE t:999`, line)
	assert.NotContains(t, line, "\n")
}
