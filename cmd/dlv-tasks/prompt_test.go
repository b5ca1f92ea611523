package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestLongPipedLinesReadWhole: a piped line longer than 4,096 bytes is one
// command (it was split, and its tail ran as a second command), and a line
// beyond the 1 MiB bound is skipped with one error, the next line still run.
func TestLongPipedLinesReadWhole(t *testing.T) {
	exe, core, _ := zooCore(t)
	long := "help" + strings.Repeat(" ", 4100) + "ps" // 4,106 bytes
	huge := "help " + strings.Repeat("x", 2<<20)
	script := long + "\n" + huge + "\n" + "ps -limit 1\nexit\n"
	r := run(t, script, []string{"DLV_TASKS_HISTORY=" + filepath.Join(t.TempDir(), "h")}, "core", exe, core)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 1, strings.Count(r.stdout, "usage: ps"), "the long line ran once, as `help ps`")
	require.Equal(t, 1, strings.Count(r.stdout, "showing the first 1 (-limit 1)"), "only the last ps listed goroutines")
	require.NotContains(t, r.stderr, "unknown command")
	require.Contains(t, r.stderr, "error: input line longer than 1048576 bytes: skipped\n")
}

// screen collects what a program wrote to its terminal.
type screen struct{ syncBuffer }

// TestAnswerKeepsNextKeystroke types, on a real pseudo-terminal, an answer
// to cancel's [y/N] question and then the next command: every key of the
// next command arrives (the first one was eaten by the answer's reader, and
// `ps` became `s`, a step of the live target). Ctrl-C at the question
// answers no.
func TestAnswerKeepsNextKeystroke(t *testing.T) {
	exe := testutil.BuildTargetFlags(t, "tracked", "-gcflags=github.com/dlv-tasks/dlv-tasks/tracker=-N -l")
	master, slave, err := testutil.OpenPTY()
	require.NoError(t, err)
	defer master.Close()
	cmd := exec.Command(dlvTasks(t), append([]string{"exec", exe, "--"}, trackedArgs...)...)
	cmd.Env = append(os.Environ(), "TERM=xterm", "DLV_TASKS_HISTORY="+filepath.Join(t.TempDir(), "h"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	slave.Close()
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
	}()
	var out screen
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	// Keys are typed only once the program shows it waits for them.
	waitScreen := func(after int, want string) int {
		t.Helper()
		var at int
		require.Eventually(t, func() bool {
			s := out.String()
			at = strings.Index(s[after:], want)
			return at >= 0
		}, 2*time.Minute, 10*time.Millisecond, "waiting for %q; screen:\n%s", want, out.String())
		return after + at + len(want)
	}
	typeKeys := func(keys string) {
		t.Helper()
		_, err := master.Write([]byte(keys))
		require.NoError(t, err)
	}
	pos := waitScreen(0, "(dlv-tasks) ")
	typeKeys("break main.ready\r")
	pos = waitScreen(pos, "(dlv-tasks) ")
	typeKeys("continue\r")
	pos = waitScreen(pos, "stopped at")
	pos = waitScreen(pos, "(dlv-tasks) ")

	typeKeys("cancel " + tHealthChecker + "\r")
	pos = waitScreen(pos, "[y/N] ")
	typeKeys("n\r")
	pos = waitScreen(pos, "Not cancelled.")
	pos = waitScreen(pos, "(dlv-tasks) ")
	typeKeys("help ps\r")
	pos = waitScreen(pos, "usage: ps")
	require.NotContains(t, out.String(), "unknown command", "a key of the next command was lost")

	// Ctrl-C at the question is no.
	pos = waitScreen(pos, "(dlv-tasks) ")
	typeKeys("cancel " + tHealthChecker + "\r")
	pos = waitScreen(pos, "[y/N] ")
	typeKeys("\x03")
	pos = waitScreen(pos, "Not cancelled.")
	waitScreen(pos, "(dlv-tasks) ")
	typeKeys("exit\r")
	select {
	case <-done:
		require.NoError(t, waitErr, "screen:\n%s", out.String())
	case <-time.After(time.Minute):
		t.Fatalf("dlv-tasks did not exit; screen:\n%s", out.String())
	}
	require.NotContains(t, out.String(), "Cancelled the context")
}

// TestHistoryFIFORefused: a FIFO as the history file is refused with a note
// (opening it blocked the prompt before it started), and the prompt works.
func TestHistoryFIFORefused(t *testing.T) {
	exe, core, _ := zooCore(t)
	fifo := filepath.Join(t.TempDir(), "history")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	r := run(t, "ps -limit 1\nexit\n", []string{"DLV_TASKS_HISTORY=" + fifo}, "core", exe, core)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "note: history file "+fifo+" is not a regular file (a FIFO): history is not kept\n")
	require.Contains(t, r.stdout, "showing the first 1 (-limit 1)")
}
