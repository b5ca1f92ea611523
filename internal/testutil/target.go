package testutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ReadyTimeout bounds how long StartTarget and CrashCore wait for a target's
// "READY <pid>" line.
var ReadyTimeout = 30 * time.Second

// ReadyQuiet bounds how long StartTarget and CrashCore wait, after the READY
// line, for the target to be quiet — no thread running or runnable, so that
// its main goroutine is back from the write system call and parked. A target
// that never quiets (a goroutine that spins) is used once the bound passes.
var ReadyQuiet = time.Second

// CrashTimeout bounds how long CrashCore waits, after SIGQUIT, for the target
// to print its traceback, dump core and exit. Printing the traceback dominates:
// about 15 s for 100k goroutines.
var CrashTimeout = 3 * time.Minute

// Target is a running target program that has printed its READY line.
type Target struct {
	// Pid is the process id, as printed on the READY line.
	Pid int
	// Cmd is the started command; Cmd.Process is the running process.
	Cmd *exec.Cmd

	stderr *lockedBuffer
	dir    string        // working directory ("" for the test's)
	exited chan struct{} // closed when Cmd.Wait has returned
	mu     sync.Mutex
	werr   error // Cmd.Wait's result, once exited is closed
}

// Stderr returns what the target has written to stderr so far.
func (tg *Target) Stderr() []byte {
	return tg.stderr.Bytes()
}

// Exited returns a channel closed once the target process has exited.
func (tg *Target) Exited() <-chan struct{} {
	return tg.exited
}

// WaitErr returns the error from waiting for the process (nil for a zero exit
// status), or nil if it has not exited yet.
func (tg *Target) WaitErr() error {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.werr
}

// Kill kills the target with SIGKILL and waits up to 10 s for it to exit. It
// is safe to call more than once, and is registered by StartTarget as a test
// cleanup.
func (tg *Target) Kill() error {
	select {
	case <-tg.exited:
		return nil
	default:
	}
	if tg.Pid != tg.Cmd.Process.Pid {
		// Started through a shell: kill the target itself; the shell follows.
		_ = syscall.Kill(tg.Pid, syscall.SIGKILL)
	}
	if err := tg.Cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing target pid %d: %w", tg.Pid, err)
	}
	select {
	case <-tg.exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("target pid %d did not exit within 10s of SIGKILL (still traced?)", tg.Pid)
	}
}

// StartTarget starts exe with args and waits for its "READY <pid>" line. env
// entries ("K=V") are added to the test process's environment. The target's
// stdout after the READY line is discarded and its stderr is kept (see
// Target.Stderr). The target is killed when the test ends. StartTarget fails
// the test if the target exits or does not become ready within ReadyTimeout;
// the failure message includes its stderr.
func StartTarget(t testing.TB, exe string, args []string, env []string) *Target {
	t.Helper()
	tg, err := startTarget(exe, args, env, "")
	if tg != nil {
		t.Cleanup(func() {
			if err := tg.Kill(); err != nil {
				t.Logf("testutil: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("testutil: %v", err)
	}
	return tg
}

// StartTracedTarget is StartTarget for a target that a debugger in this test
// process will attach to. The target runs as a grandchild (through sh), not
// as our child: Go's os/exec waits for its children with waitid(WEXITED),
// which also reports — and so consumes — ptrace stops of a traced child,
// leaving Delve waiting forever for its attach stop. Pid is the target's
// own pid.
func StartTracedTarget(t testing.TB, exe string, args []string, env []string) *Target {
	t.Helper()
	return StartTracedTargetWith(t, exe, args, env, StartOptions{})
}

// StartOptions adjust StartTracedTargetWith.
type StartOptions struct {
	// ReadyTimeout, when set, replaces ReadyTimeout: for a target that
	// takes long to become ready on purpose.
	ReadyTimeout time.Duration
	// Cores makes the target run in a fresh temporary directory with
	// RLIMIT_CORE raised, so that a crash dumps core there (Target.Core).
	Cores bool
}

// StartTracedTargetWith is StartTracedTarget with options.
func StartTracedTargetWith(t testing.TB, exe string, args []string, env []string, opts StartOptions) *Target {
	t.Helper()
	return StartTracedTargets(t, TargetSpec{Exe: exe, Args: args, Env: env, Options: opts})[0]
}

// TargetSpec is one target for StartTracedTargets.
type TargetSpec struct {
	Exe     string
	Args    []string
	Env     []string
	Options StartOptions
}

// StartTracedTargets starts every target of specs as StartTracedTargetWith
// does, all at once, and waits for each one's READY line: targets that take
// long to be ready on purpose (they age) age side by side. It returns them
// in the order of specs; every one is killed when the test ends.
func StartTracedTargets(t testing.TB, specs ...TargetSpec) []*Target {
	t.Helper()
	type started struct {
		tg  *Target
		err error
	}
	results := make([]started, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		dir := ""
		if spec.Options.Cores {
			if err := checkCorePattern(); err != nil {
				t.Fatalf("testutil: core files are needed in the working directory: %v", err)
			}
			if err := raiseCoreLimit(); err != nil {
				t.Fatalf("testutil: %v", err)
			}
			dir = t.TempDir()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			shArgs := append([]string{"-c", `"$0" "$@" & wait $!`, spec.Exe}, spec.Args...)
			cmd := exec.Command("/bin/sh", shArgs...)
			cmd.Dir = dir
			tg, err := startProcessWithin(spec.Exe, spec.Args, cmd, spec.Env, dir, spec.Options.ReadyTimeout)
			results[i] = started{tg, err}
		}()
	}
	wg.Wait()
	out := make([]*Target, len(specs))
	var errs []error
	for i, r := range results {
		if r.tg != nil {
			tg := r.tg
			t.Cleanup(func() {
				if err := tg.Kill(); err != nil {
					t.Logf("testutil: %v", err)
				}
			})
		}
		if r.err != nil {
			errs = append(errs, r.err)
		}
		out[i] = r.tg
	}
	if len(errs) > 0 {
		t.Fatalf("testutil: %v", errors.Join(errs...))
	}
	return out
}

func startTarget(exe string, args, env []string, dir string) (*Target, error) {
	return startProcess(exe, args, exec.Command(exe, args...), env, dir)
}

// Core returns the core file the target dumped when it crashed: it must have
// been started with StartOptions.Cores and have exited.
func (tg *Target) Core() (string, error) {
	if tg.dir == "" {
		return "", errors.New("the target was not started with StartOptions.Cores")
	}
	return findCore(tg.dir, tg.Pid)
}

// startProcess starts cmd, which runs exe with args directly or through a
// shell, and waits for the target's READY line.
func startProcess(exe string, args []string, cmd *exec.Cmd, env []string, dir string) (*Target, error) {
	return startProcessWithin(exe, args, cmd, env, dir, 0)
}

// startProcessWithin is startProcess waiting readyTimeout (ReadyTimeout
// when 0) for the READY line.
func startProcessWithin(exe string, args []string, cmd *exec.Cmd, env []string, dir string, readyTimeout time.Duration) (*Target, error) {
	if readyTimeout <= 0 {
		readyTimeout = ReadyTimeout
	}
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	// Bound Wait when a grandchild keeps stderr open after the target died.
	cmd.WaitDelay = 5 * time.Second
	// stdout is our own pipe, so that Wait does not depend on reading it.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting %s: stdout pipe: %w", exe, err)
	}
	cmd.Stdout = stdoutW
	err = cmd.Start()
	stdoutW.Close()
	if err != nil {
		stdoutR.Close()
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	tg := &Target{Pid: cmd.Process.Pid, Cmd: cmd, stderr: stderr, dir: dir, exited: make(chan struct{})}

	lines := make(chan string, 1)
	go func() {
		defer stdoutR.Close()
		r := bufio.NewReader(stdoutR)
		line, err := r.ReadString('\n')
		if err == nil {
			lines <- strings.TrimRight(line, "\r\n")
		}
		close(lines)
		io.Copy(io.Discard, r) // never let the target block writing stdout
	}()
	go func() {
		err := cmd.Wait()
		tg.mu.Lock()
		tg.werr = err
		tg.mu.Unlock()
		close(tg.exited)
	}()

	fail := func(format string, a ...any) (*Target, error) {
		tg.Kill()
		msg := fmt.Sprintf(format, a...)
		return tg, fmt.Errorf("target %s %v (pid %d): %s\nstderr:\n%s", filepath.Base(exe), args, tg.Pid, msg, stderr.Bytes())
	}
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case line, ok := <-lines:
		if !ok {
			select {
			case <-tg.exited:
			case <-time.After(readyTimeout):
			}
			return fail("exited before printing READY: %v", tg.WaitErr())
		}
		pidText, found := strings.CutPrefix(line, "READY ")
		if !found {
			return fail("first stdout line is %q, want \"READY <pid>\"", line)
		}
		pid, err := strconv.Atoi(pidText)
		direct := cmd.Path == exe || filepath.Base(cmd.Path) == filepath.Base(exe)
		if err != nil || (direct && pid != tg.Pid) {
			return fail("READY line %q does not carry the process id %d", line, tg.Pid)
		}
		tg.Pid = pid
		// main has printed READY but may not have returned from the write
		// system call yet: wait until it has parked.
		waitQuiet(tg.Pid, ReadyQuiet)
		return tg, nil
	case <-timer.C:
		return fail("no READY line within %v", readyTimeout)
	}
}

var (
	rlimitOnce sync.Once
	rlimitErr  error
)

// raiseCoreLimit sets RLIMIT_CORE of the test process to unlimited (or to its
// hard limit if it cannot be raised further), so that the children it starts
// inherit it and may dump core.
func raiseCoreLimit() error {
	rlimitOnce.Do(func() {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
			rlimitErr = fmt.Errorf("getrlimit(RLIMIT_CORE): %w", err)
			return
		}
		want := syscall.Rlimit{Cur: ^uint64(0), Max: ^uint64(0)}
		if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &want); err == nil {
			return
		}
		want = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &want); err != nil {
			rlimitErr = fmt.Errorf("setrlimit(RLIMIT_CORE, %d): %w", lim.Max, err)
			return
		}
		if lim.Max == 0 {
			rlimitErr = errors.New("the hard RLIMIT_CORE is 0 and cannot be raised (not root?); run `ulimit -c unlimited` before the tests")
		}
	})
	return rlimitErr
}

// checkCorePattern returns an error explaining why cores would not land in
// the crashing process's working directory.
func checkCorePattern() error {
	b, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	if err != nil {
		return fmt.Errorf("reading core_pattern: %w", err)
	}
	pattern := strings.TrimSpace(string(b))
	switch {
	case strings.HasPrefix(pattern, "|"):
		return fmt.Errorf("/proc/sys/kernel/core_pattern is %q: cores are piped to a program (systemd-coredump, apport...), "+
			"not written to the working directory; as root run `echo core > /proc/sys/kernel/core_pattern`", pattern)
	case strings.HasPrefix(pattern, "/"):
		return fmt.Errorf("/proc/sys/kernel/core_pattern is %q: cores go to an absolute path, not the working directory; "+
			"as root run `echo core > /proc/sys/kernel/core_pattern`", pattern)
	case pattern == "":
		return errors.New("/proc/sys/kernel/core_pattern is empty: the kernel writes no core files")
	}
	return nil
}

// CrashCore runs exe with args in a fresh temporary working directory with
// GOTRACEBACK=crash (and GODEBUG=tracebacklabels=1, so that pprof labels are
// printed in goroutine headers), waits for its READY line, sends it SIGQUIT
// and waits for it to print every goroutine's traceback, dump core and exit.
// env entries are added to the environment (after the two above, so they may
// override them; a GODEBUG in env gets ",tracebacklabels=1" appended).
//
// It returns the path of the core file, in a directory removed when the test
// ends, and the target's complete stderr: the runtime's traceback, which
// ParseTraceback reads. It raises the test process's RLIMIT_CORE once (the
// child inherits it) and fails the test, with an explanation, if
// /proc/sys/kernel/core_pattern does not write cores into the working
// directory or no core file appears.
func CrashCore(t testing.TB, exe string, args, env []string) (core string, traceback []byte) {
	t.Helper()
	if err := checkCorePattern(); err != nil {
		t.Fatalf("testutil: CrashCore needs core files in the working directory: %v", err)
	}
	if err := raiseCoreLimit(); err != nil {
		t.Fatalf("testutil: CrashCore: %v", err)
	}
	dir := t.TempDir()
	env = crashEnv(env)
	tg, err := startTarget(exe, args, env, dir)
	if err != nil {
		t.Fatalf("testutil: CrashCore: %v", err)
	}
	defer tg.Kill()

	if err := tg.Cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatalf("testutil: CrashCore: sending SIGQUIT to pid %d: %v", tg.Pid, err)
	}
	select {
	case <-tg.exited:
	case <-time.After(CrashTimeout):
		t.Fatalf("testutil: CrashCore: pid %d did not exit within %v of SIGQUIT; stderr so far: %d bytes", tg.Pid, CrashTimeout, len(tg.Stderr()))
	}
	traceback = tg.Stderr()

	var ws syscall.WaitStatus
	if st, ok := tg.Cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		ws = st
	}
	core, err = findCore(dir, tg.Pid)
	if err != nil {
		t.Fatalf("testutil: CrashCore: pid %d exited with %v (core dumped: %v): %v\nlast stderr:\n%s",
			tg.Pid, tg.Cmd.ProcessState, ws.CoreDump(), err, tail(traceback, 2000))
	}
	return core, traceback
}

// crashEnv returns env with GOTRACEBACK=crash and GODEBUG tracebacklabels=1
// added.
func crashEnv(env []string) []string {
	out := []string{"GOTRACEBACK=crash"}
	godebug := "tracebacklabels=1"
	if v, ok := os.LookupEnv("GODEBUG"); ok && v != "" {
		godebug = v + "," + godebug
	}
	var rest []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			if v != "" {
				godebug = v + ",tracebacklabels=1"
			}
			continue
		}
		rest = append(rest, kv)
	}
	out = append(out, "GODEBUG="+godebug)
	return append(out, rest...)
}

// findCore finds the core file that the process pid dumped into dir, which
// held nothing else: "core", "core.<pid>", or the only regular file there (for
// other relative core_pattern values).
func findCore(dir string, pid int) (string, error) {
	for _, name := range []string{"core", "core." + strconv.Itoa(pid)} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			if fi.Size() == 0 {
				return "", fmt.Errorf("core file %s is empty (disk full or RLIMIT_CORE too small?)", p)
			}
			return p, nil
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("listing %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, e.Name())
		}
	}
	if len(files) == 1 {
		return filepath.Join(dir, files[0]), nil
	}
	pattern, _ := os.ReadFile("/proc/sys/kernel/core_pattern")
	return "", fmt.Errorf("no core file in %s (files: %v; core_pattern %q): check RLIMIT_CORE and core_pattern",
		dir, files, strings.TrimSpace(string(pattern)))
}

func tail(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return b[len(b)-n:]
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of the contents.
func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// waitQuiet waits until no thread of process pid is running or runnable, as
// /proc shows it: every thread sleeps, so no goroutine is executing (a
// target's main goroutine that printed READY has parked). It reports false
// when max passes first or the threads cannot be read.
func waitQuiet(pid int, max time.Duration) bool {
	deadline := time.Now().Add(max)
	for {
		quiet, err := threadsQuiet(pid)
		if err != nil || quiet {
			return quiet
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Microsecond) // polling /proc: there is no event to wait on
	}
}

// threadsQuiet reports whether no thread of pid is in state R (running or
// runnable) in /proc/PID/task/TID/stat.
func threadsQuiet(pid int) (bool, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
		if err != nil {
			continue // the thread has exited
		}
		// "TID (COMM) S ...": COMM may hold spaces and parentheses.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'R' {
			return false, nil
		}
	}
	return true, nil
}
