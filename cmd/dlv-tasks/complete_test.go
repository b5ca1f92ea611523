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

// ptyCLI is dlv-tasks on a real pseudo-terminal: liner edits its lines, as
// for a user at a terminal.
type ptyCLI struct {
	t      *testing.T
	master *os.File
	screen screen
	done   chan struct{}
	err    error
}

func startPTY(t *testing.T, args ...string) *ptyCLI {
	t.Helper()
	master, slave, err := testutil.OpenPTY()
	require.NoError(t, err)
	c := &ptyCLI{t: t, master: master, done: make(chan struct{})}
	cmd := exec.Command(dlvTasks(t), args...)
	cmd.Env = append(os.Environ(), "TERM=xterm", "DLV_TASKS_HISTORY="+filepath.Join(t.TempDir(), "h"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	slave.Close()
	go func() { c.err = cmd.Wait(); close(c.done) }()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			c.screen.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
		master.Close()
	})
	return c
}

// wait waits until want is on the screen after position after, and returns
// the position past it.
func (c *ptyCLI) wait(after int, want string) int {
	c.t.Helper()
	var at int
	require.Eventually(c.t, func() bool {
		s := c.screen.String()
		at = strings.Index(s[after:], want)
		return at >= 0
	}, 2*time.Minute, 10*time.Millisecond, "waiting for %q; screen:\n%s", want, c.screen.String())
	return after + at + len(want)
}

func (c *ptyCLI) keys(k string) {
	c.t.Helper()
	_, err := c.master.Write([]byte(k))
	require.NoError(c.t, err)
}

// tabUntil presses Tab until want shows on the screen after position
// after: the prompt reads the stop's goroutines in the background, and Tab
// offers ids once that read is done (it never waits for it). Each press is
// answered at once, with nothing before the read is done.
func (c *ptyCLI) tabUntil(after int, want string) int {
	c.t.Helper()
	var at int
	require.Eventually(c.t, func() bool {
		c.keys("\t")
		s := c.screen.String()
		at = strings.Index(s[after:], want)
		return at >= 0
	}, 2*time.Minute, 100*time.Millisecond, "Tab never offered %q; screen:\n%s", want, c.screen.String())
	return after + at + len(want)
}

func (c *ptyCLI) exit() {
	c.t.Helper()
	c.keys("exit\r")
	select {
	case <-c.done:
		require.NoError(c.t, c.err, "screen:\n%s", c.screen.String())
	case <-time.After(time.Minute):
		c.t.Fatalf("dlv-tasks did not exit; screen:\n%s", c.screen.String())
	}
}

// TestTabCompletesIDsBeforeAnyListing: on a real terminal, `cc <Tab>`
// offered nothing until a listing had been run. Now Tab offers task ids
// (t:N) and goroutine ids of the stop as soon as the background read of it
// is done: on a core at the first prompt, and on a live target at the
// prompt after a continue stopped it again.
func TestTabCompletesIDsBeforeAnyListing(t *testing.T) {
	t.Run("core", func(t *testing.T) {
		exe, core := trackedCore(t)
		c := startPTY(t, "core", exe, core)
		pos := c.wait(0, "(dlv-tasks) ")
		c.keys("cc t:5")
		pos = c.tabUntil(pos, tStubbornFlusher)
		// The completed line is still being edited: finish and run it.
		c.keys("\x15" + "cc " + tStubbornFlusher + "\r")
		pos = c.wait(pos, "Cancellation chain of "+tStubbornFlusher+" stubborn-flusher")
		pos = c.wait(pos, "(dlv-tasks) ")
		c.keys("where ")
		pos = c.tabUntil(pos, "where 1")
		c.keys("\x15")
		c.wait(pos, "(dlv-tasks) ")
		c.exit()
	})
	t.Run("live after continue", func(t *testing.T) {
		exe := testutil.BuildTarget(t, "tracked")
		c := startPTY(t, append([]string{"exec", exe, "--"}, trackedArgs...)...)
		pos := c.wait(0, "(dlv-tasks) ")
		c.keys("break main.ready\r")
		pos = c.wait(pos, "(dlv-tasks) ")
		c.keys("continue\r")
		pos = c.wait(pos, "stopped at")
		pos = c.wait(pos, "(dlv-tasks) ")
		c.keys("wt t:6")
		pos = c.tabUntil(pos, tChainGrandExited)
		c.keys("\x15")
		c.wait(pos, "(dlv-tasks) ")
		c.exit()
	})
}
