package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/terminal"
)

// TestHugeSizesRefused runs the commands that used to exhaust memory inside
// Delve (and kill dlv-tasks while attached) against a live target: each is
// refused with one line naming the limit, the commands after them still run,
// and the target is left running, untraced.
func TestHugeSizesRefused(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTarget(t, exe, []string{"-n", "1"}, nil)
	r := run(t, "", nil, "attach", itoa(tg.Pid),
		"-c", "where -depth 99999999999 1", "-c", "print -frame 99999999999 1", "-c", "ps -limit 1")
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "error: where -depth 99999999999 1: stack depth 99999999999: beyond dlv-tasks' limit (1 to 10000)\n")
	require.Contains(t, r.stderr, "error: print -frame 99999999999 1: print 1: frame 99999999999: beyond dlv-tasks' limit (0 to 10000)\n")
	require.NotContains(t, r.stderr, "out of memory")
	require.Contains(t, r.stdout, "showing the first 1 (-limit 1)", "the session survives")
	select {
	case <-tg.Exited():
		t.Fatalf("the target exited: %s", tg.Stderr())
	default:
	}
	status, err := os.ReadFile("/proc/" + itoa(tg.Pid) + "/status")
	require.NoError(t, err)
	require.Contains(t, string(status), "TracerPid:\t0")
}

// syncBuffer is a bytes.Buffer safe for a writer and a poller.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cli is a dlv-tasks process driven through a pipe, as a script would.
type cli struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr *syncBuffer
	done           chan struct{}
	err            error
}

// startCLI starts dlv-tasks with args, its prompt reading a pipe.
func startCLI(t *testing.T, env []string, args ...string) *cli {
	t.Helper()
	c := &cli{cmd: exec.Command(dlvTasks(t), args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	c.cmd.Dir = testutil.RepoRoot(t)
	c.cmd.Env = append(append(os.Environ(), "DLV_TASKS_HISTORY="+filepath.Join(t.TempDir(), "history")), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	var err error
	c.stdin, err = c.cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, c.cmd.Start())
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		// SIGTERM first, so that a failed test leaves no launched target.
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(20 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// send writes one prompt line.
func (c *cli) send(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(c.stdin, line+"\n")
	require.NoError(t, err)
}

// waitOutput waits until stdout contains want.
func (c *cli) waitOutput(t *testing.T, want string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(c.stdout.String(), want) }, 2*time.Minute, 20*time.Millisecond,
		"waiting for %q; stdout:\n%s\nstderr:\n%s", want, c.stdout.String(), c.stderr.String())
}

// wait waits for the process to exit and returns its exit code (-1: killed
// by a signal).
func (c *cli) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		t.Fatalf("dlv-tasks did not exit; stderr:\n%s", c.stderr.String())
	}
	return c.cmd.ProcessState.ExitCode()
}

// TestKilledAtPromptLeavesTargetIntact: dlv-tasks SIGKILLed at the prompt
// (nothing can clean up) leaves a target whose code is its own: a later
// SIGQUIT makes it print its traceback and exit 2, as without a debugger
// (with Delve's int3s left in runtime.fatalsignal it died of SIGTRAP, 133).
func TestKilledAtPromptLeavesTargetIntact(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTarget(t, exe, []string{"-n", "1"}, nil)
	c := startCLI(t, nil, "attach", itoa(tg.Pid))
	c.send(t, "ps -limit 1")
	c.waitOutput(t, "showing the first 1 (-limit 1)")
	changes, err := testutil.ChangedCode(tg.Pid, exe, testutil.DelveInternalBreakpointFunctions)
	require.NoError(t, err)
	require.Empty(t, changes, "at the prompt the target's code is its own")

	require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
	require.Equal(t, -1, c.wait(t))
	// The kernel detaches a dead tracer's tracees; wait for that.
	require.Eventually(t, func() bool {
		status, err := os.ReadFile("/proc/" + itoa(tg.Pid) + "/status")
		return err == nil && strings.Contains(string(status), "TracerPid:\t0")
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, syscall.Kill(tg.Pid, syscall.SIGQUIT))
	select {
	case <-tg.Exited():
	case <-time.After(time.Minute):
		t.Fatal("the target did not die of SIGQUIT")
	}
	var exitErr *exec.ExitError
	require.ErrorAs(t, tg.WaitErr(), &exitErr)
	stderr := string(tg.Stderr())
	require.Equal(t, 2, exitErr.ExitCode(), "exit status after SIGQUIT; stderr starts:\n%.2000s", stderr)
	require.True(t, strings.HasPrefix(stderr, "SIGQUIT: quit"), "stderr starts:\n%.2000s", stderr)
	require.True(t, regexp.MustCompile(`(?m)^goroutine 1 (gp=\S+ m=\S+ )?\[select \(no cases\)\]:$`).MatchString(stderr),
		"main's goroutine in the traceback; stderr starts:\n%.2000s", stderr)
}

// childrenOf lists the pids whose parent is pid.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		if regexp.MustCompile(`(?m)^PPid:\s+` + strconv.Itoa(pid) + `$`).Match(status) {
			out = append(out, p)
		}
	}
	return out
}

// gone reports whether process pid has exited (a zombie counts: it no
// longer runs, its parent has yet to reap it).
func gone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// TestSignalKillsWhatExecLaunched: SIGHUP (the terminal closed) or SIGTERM
// ends dlv-tasks exec with 128+signal and takes the launched target with it;
// SIGINT while the prompt waits for input leaves it like end of input.
func TestSignalKillsWhatExecLaunched(t *testing.T) {
	exe := testutil.BuildTargetFlags(t, "zoo", "-ldflags=-X main.unused=signal-test")
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGHUP, 129}, {syscall.SIGTERM, 143}, {syscall.SIGINT, 0}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			c := startCLI(t, nil, "exec", exe, "--", "-n", "1")
			c.send(t, "break main.ready")
			c.send(t, "continue")
			c.send(t, "ps -limit 1")
			c.waitOutput(t, "showing the first 1 (-limit 1)")
			targets := childrenOf(t, c.cmd.Process.Pid)
			require.Len(t, targets, 1, "the launched target")
			require.NoError(t, c.cmd.Process.Signal(tc.sig))
			require.Equal(t, tc.code, c.wait(t), "stderr:\n%s", c.stderr.String())
			require.Eventually(t, func() bool { return gone(targets[0]) }, 10*time.Second, 10*time.Millisecond,
				"the launched target %d outlived dlv-tasks", targets[0])
			require.Empty(t, processesRunning(t, exe))
		})
	}
}

// TestSignalDetachesWhatAttachAttached: SIGHUP and SIGTERM detach from an
// attached process, which keeps running, untraced.
func TestSignalDetachesWhatAttachAttached(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			tg := testutil.StartTarget(t, exe, []string{"-n", "1"}, nil)
			c := startCLI(t, nil, "attach", itoa(tg.Pid))
			c.send(t, "ps -limit 1")
			c.waitOutput(t, "showing the first 1 (-limit 1)")
			require.NoError(t, c.cmd.Process.Signal(sig))
			require.Equal(t, 128+int(sig), c.wait(t), "stderr:\n%s", c.stderr.String())
			require.Contains(t, c.stderr.String(), "detaching from the program, which keeps running")
			status, err := os.ReadFile("/proc/" + itoa(tg.Pid) + "/status")
			require.NoError(t, err)
			require.Contains(t, string(status), "TracerPid:\t0")
			require.NotContains(t, string(status), "(stopped)")
			require.NotContains(t, string(status), "(tracing stop)")
			select {
			case <-tg.Exited():
				t.Fatal("the attached target exited")
			default:
			}
		})
	}
}

// TestSignalCleansUpDemo: SIGTERM ends the demo with its program and its
// build directory.
func TestSignalCleansUpDemo(t *testing.T) {
	c := startCLI(t, nil, "demo")
	c.send(t, "ps -limit 1")
	c.waitOutput(t, "showing the first 1 (-limit 1)")
	targets := childrenOf(t, c.cmd.Process.Pid)
	require.Len(t, targets, 1, "the demo program")
	exe, err := os.Readlink("/proc/" + itoa(targets[0]) + "/exe")
	require.NoError(t, err)
	dir := filepath.Dir(exe)
	require.Contains(t, filepath.Base(dir), "dlv-tasks-demo")
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	require.Equal(t, 143, c.wait(t), "stderr:\n%s", c.stderr.String())
	require.Eventually(t, func() bool { return gone(targets[0]) }, 10*time.Second, 10*time.Millisecond)
	_, err = os.Stat(dir)
	require.ErrorIs(t, err, os.ErrNotExist, "the demo's build directory was left behind")
}

// TestSilentServerTimesOut: a Delve server that stops answering after the
// handshake (a SIGSTOPped headless dlv) ends the command after --timeout
// with one line, instead of hanging dlv-tasks forever.
func TestSilentServerTimesOut(t *testing.T) {
	f := testutil.StartFakeDelve(t, testutil.Silent, false)
	start := time.Now()
	r := run(t, "", nil, "connect", f.Addr, "--timeout", "1s", "-c", "ps", "-c", "pstree")
	t.Logf("stderr:\n%s", r.stderr)
	require.Equal(t, 1, r.code)
	require.Regexp(t, `the connection to Delve is lost: Delve did not answer \w+ within 1s \(raise --timeout if the target is that slow\)`, r.stderr)
	require.Contains(t, r.stderr, "not running the remaining commands")
	require.NotContains(t, r.stderr, "error: pstree")
	require.Less(t, time.Since(start), 30*time.Second)
}

// TestInterruptSilentServer: Ctrl-C while a call waits for a server that
// does not answer ends the wait within seconds (it did nothing before).
func TestInterruptSilentServer(t *testing.T) {
	f := testutil.StartFakeDelve(t, testutil.Silent, false)
	c := startCLI(t, nil, "connect", f.Addr)
	c.send(t, "ps")
	select {
	case <-f.Calls:
	case <-time.After(time.Minute):
		t.Fatalf("ps made no call; stderr:\n%s", c.stderr.String())
	}
	start := time.Now()
	require.NoError(t, c.cmd.Process.Signal(os.Interrupt))
	code := c.wait(t)
	t.Logf("stderr:\n%s", c.stderr.String())
	require.Less(t, time.Since(start), 20*time.Second)
	require.Equal(t, 1, code, "stderr:\n%s", c.stderr.String())
	require.Regexp(t, `the connection to Delve is lost: interrupted; Delve did not answer \w+ within 2s of Ctrl-C`, c.stderr.String())
}

func TestOneShotErrorNamesTheCommandOnce(t *testing.T) {
	for _, tc := range []struct{ line, canonical, err, want string }{
		{"where", "where", "where: missing goroutine id", "where: missing goroutine id"},
		{"where -depth 0 1", "where", "where: stack depth 0: beyond", "where -depth 0 1: stack depth 0: beyond"},
		{"ps -limit 5", "ps", "ps: read runtime.allgs: EOF", "ps -limit 5: read runtime.allgs: EOF"},
		{"ps", "ps", "interrupted", "ps: interrupted"},
		{"cc 7", "cancel-chain", "cc 7: already named", "cc 7: already named"},
		// An alias: the command's own name is not said a second time (it
		// said "wt 99: where-terminated: goroutine 99 runs no tracker task").
		{"wt 99", "where-terminated", "where-terminated: goroutine 99 runs no tracker task", "wt 99: goroutine 99 runs no tracker task"},
		{"pst -outcome bogus", "ps-terminated", "ps-terminated: -outcome: unknown outcome", "pst -outcome bogus: -outcome: unknown outcome"},
		{"nosuch 1", "", `unknown command "nosuch" (type help)`, `nosuch 1: unknown command "nosuch" (type help)`},
	} {
		require.Equal(t, tc.want, oneShotError(tc.line, tc.canonical, errors.New(tc.err)).Error(), tc.line)
	}
	// The canonical name comes from the command table.
	term := terminal.New(nil, io.Discard, io.Discard)
	require.Equal(t, "where-terminated", term.CommandName("wt"))
	require.Equal(t, "where-terminated", term.CommandName("where-terminated"))
	require.Empty(t, term.CommandName("nosuch"))
}
