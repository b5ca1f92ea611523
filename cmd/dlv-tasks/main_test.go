package main

import (
	"bytes"
	"encoding/json"
	"errors"
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

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// dlvTasks builds the dlv-tasks binary once per test process.
func dlvTasks(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "dlv-tasks-bin")
		if binErr != nil {
			return
		}
		// Readable by all: one test runs the binary as another user.
		if binErr = os.Chmod(binDir, 0o755); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "dlv-tasks")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// result is what one run of dlv-tasks did.
type result struct {
	stdout, stderr string
	code           int
}

// run runs dlv-tasks with args and stdin, bounded in time.
func run(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(dlvTasks(t), args...)
	cmd.Dir = testutil.RepoRoot(t)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("dlv-tasks %v hung; stderr:\n%s", args, stderr.String())
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// zooCore makes a kernel core of the zoo target, once per test process.
var zooCoreOnce struct {
	sync.Once
	exe, core string
	traceback []byte
}

func zooCore(t *testing.T) (exe, core string, traceback []byte) {
	t.Helper()
	zooCoreOnce.Do(func() {
		exe := testutil.BuildTarget(t, "zoo")
		// The core must outlive this test: keep it in a directory of our own.
		dir, err := os.MkdirTemp("", "dlv-tasks-zoo-core")
		require.NoError(t, err)
		core, tb := testutil.CrashCore(t, exe, []string{"-n", "6"}, nil)
		kept := filepath.Join(dir, "core")
		data, err := os.ReadFile(core)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(kept, data, 0o600))
		zooCoreOnce.exe, zooCoreOnce.core, zooCoreOnce.traceback = exe, kept, tb
	})
	require.NotEmpty(t, zooCoreOnce.core, "making the zoo core failed in an earlier test")
	return zooCoreOnce.exe, zooCoreOnce.core, zooCoreOnce.traceback
}

func TestPsJSONContract(t *testing.T) {
	exe, core, text := zooCore(t)
	r := run(t, "", nil, "core", exe, core, "-c", "ps --json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr, "one-shot mode prints no banner or progress when stderr is not a terminal")

	var docs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &docs), "stdout is one JSON document")
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	require.Len(t, docs, len(tb))
	for _, d := range docs {
		for _, key := range []string{"id", "parent_id", "status", "wait_reason", "labels", "location", "go_statement", "start", "task"} {
			require.Contains(t, d, key)
		}
		require.IsType(t, map[string]any{}, d["labels"])
		require.Nil(t, d["task"])
		for _, key := range []string{"location", "go_statement", "start"} {
			loc := d[key].(map[string]any)
			for _, f := range []string{"function", "file", "line"} {
				require.Contains(t, loc, f)
			}
		}
		id := int64(d["id"].(float64))
		require.Equal(t, float64(tb[id].ParentID), d["parent_id"], "goroutine %d", id)
		require.Equal(t, tb[id].CreatedBy, d["go_statement"].(map[string]any)["function"], "goroutine %d", id)
	}
}

func TestOneShotCommands(t *testing.T) {
	exe, core, _ := zooCore(t)
	t.Run("tables", func(t *testing.T) {
		r := run(t, "", nil, "core", exe, core, "-c", "ps -user -limit 3", "-c", "pstree", "-c", "where 1", "-c", "ps -group creation -limit 2")
		require.Equal(t, 0, r.code, r.stderr)
		require.Regexp(t, `(?m)^\d+ goroutines \(of \d+: -user hides \d+ runtime ones\), showing the first 3 \(-limit 3\)$`, r.stdout)
		require.Contains(t, r.stdout, "#1 runtime.main")
		require.Contains(t, r.stdout, "main.level3")
		require.Contains(t, r.stdout, "Creation chain:")
		require.Regexp(t, `(?m)^\d+ groups of \d+ goroutines by creation, showing the largest 2 \(-limit 2\)$`, r.stdout)
	})
	t.Run("failures set the exit status and later commands still run", func(t *testing.T) {
		r := run(t, "", nil, "core", exe, core, "-c", "where 999999", "-c", "ps -limit 1")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, "unknown goroutine")
		require.Contains(t, r.stdout, "showing the first 1 (-limit 1)")
	})
	t.Run("malformed flags", func(t *testing.T) {
		for cmd, want := range map[string]string{
			"ps -bogus":          "flag provided but not defined: -bogus",
			"ps -min-wait soon":  "invalid value",
			"ps -loc '('":        "-loc",
			"ps -group sideways": "sideways",
			"where":              "missing goroutine id",
			"where abc":          `invalid goroutine id "abc"`,
			"pstree 424242":      "unknown goroutine 424242",
			"frobnicate":         `unknown command "frobnicate"`,
			"continue":           "not possible on a core dump",
		} {
			r := run(t, "", nil, "core", exe, core, "-c", cmd)
			require.Equal(t, 1, r.code, cmd)
			require.Contains(t, r.stderr, want, cmd)
			require.NotContains(t, r.stderr, "panic", cmd)
		}
	})
	t.Run("bad session arguments", func(t *testing.T) {
		r := run(t, "", nil, "attach", "notapid")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, `invalid pid "notapid"`)
		r = run(t, "", nil, "core", exe)
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, "accepts 2 arg(s)")
		r = run(t, "", nil, "connect", "127.0.0.1:1", "-c", "ps")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.stderr, "connect to 127.0.0.1:1")
	})
}

func TestInteractivePrompt(t *testing.T) {
	exe, core, _ := zooCore(t)
	history := filepath.Join(t.TempDir(), "history")
	script := "ps -limit 2\n\nhelp ps\nwhere 424242\npstree 1\nexit\n"
	r := run(t, script, []string{"DLV_TASKS_HISTORY=" + history}, "core", exe, core)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 2, strings.Count(r.stdout, "showing the first 2 (-limit 2)"), "an empty line repeats the last command")
	require.Contains(t, r.stdout, "usage: ps")
	require.Contains(t, r.stderr, "error: where: goroutine 424242: unknown goroutine", "errors do not end the prompt")
	require.Contains(t, r.stdout, "#1 runtime.main", "commands after an error still run")
	saved, err := os.ReadFile(history)
	require.NoError(t, err)
	require.Contains(t, string(saved), "ps -limit 2")
	require.Contains(t, string(saved), "pstree 1")

	// End of input leaves the prompt cleanly too.
	r = run(t, "ps -limit 1\n", []string{"DLV_TASKS_HISTORY=" + history}, "core", exe, core)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "showing the first 1 (-limit 1)")
}

func TestTargetExitsMidSession(t *testing.T) {
	exe := testutil.BuildTarget(t, "exits")
	r := run(t, "", nil, "exec", exe, "-c", "break main.ready", "-c", "continue", "-c", "ps -limit 1", "-c", "continue", "-c", "ps", "-c", "exit")
	require.Equal(t, 1, r.code, "ps after the exit fails")
	require.Contains(t, r.stderr, "stopped at main.ready")
	require.Contains(t, r.stderr, "Process exited with status 3")
	require.Contains(t, r.stderr, "error: ps: the target has exited")

	// Interactively, the prompt stays usable for exit.
	r = run(t, "break main.ready\ncontinue\ncontinue\nps\nexit\n", []string{"DLV_TASKS_HISTORY=" + filepath.Join(t.TempDir(), "h")}, "exec", exe)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "Process exited with status 3")
	require.Contains(t, r.stderr, "the target has exited")
}

func TestAttachLeavesTargetRunning(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTarget(t, exe, []string{"-n", "2"}, nil)
	r := run(t, "", nil, "attach", itoa(tg.Pid), "-c", "ps -user -with role=labelled --json")
	require.Equal(t, 0, r.code, r.stderr)
	var docs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &docs))
	require.NotEmpty(t, docs, "the zoo has labelled workers")
	for _, d := range docs {
		require.Equal(t, "labelled", d["labels"].(map[string]any)["role"])
	}
	// Detached, not killed, not left stopped.
	time.Sleep(200 * time.Millisecond)
	select {
	case <-tg.Exited():
		t.Fatal("target exited after detach")
	default:
	}
	status, err := os.ReadFile("/proc/" + itoa(tg.Pid) + "/status")
	require.NoError(t, err)
	require.NotContains(t, string(status), "tracing stop")
	require.Contains(t, string(status), "TracerPid:\t0")
}

func TestAttachWithoutPermission(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run dlv-tasks as another user")
	}
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTarget(t, exe, []string{"-n", "1"}, nil)
	cmd := exec.Command(dlvTasks(t), "attach", itoa(tg.Pid), "-c", "ps")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "HOME=/tmp")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	require.Contains(t, string(out), "attach to pid")
	require.Contains(t, string(out), "does not own the process")
	require.NotContains(t, string(out), "panic")
}

func TestDemo(t *testing.T) {
	r := run(t, "", nil, "demo", "-c", "ps -user -group creation", "-c", "pstree")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "groups of")
	require.Contains(t, r.stdout, "#1 runtime.main")
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestWhereAndPstreeJSON(t *testing.T) {
	exe, core, text := zooCore(t)
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	// A level-3 worker: created by main.level2, whose goroutine was created
	// by main.level1, itself created by main.main in goroutine 1.
	var worker int64
	for id, g := range tb {
		if g.CreatedBy == "main.level2" {
			worker = id
			break
		}
	}
	require.NotZero(t, worker)

	r := run(t, "", nil, "core", exe, core, "-c", "where --json "+strconv.FormatInt(worker, 10))
	require.Equal(t, 0, r.code, r.stderr)
	var where struct {
		Goroutine struct {
			ID int64 `json:"id"`
		} `json:"goroutine"`
		Stack []struct {
			Function string `json:"function"`
		} `json:"stack"`
		CreationChain []struct {
			ChildID     int64 `json:"child_id"`
			ParentID    int64 `json:"parent_id"`
			ParentAlive bool  `json:"parent_alive"`
			GoStatement struct {
				Function string `json:"function"`
			} `json:"go_statement"`
		} `json:"creation_chain"`
		Ancestors []any `json:"ancestors"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &where))
	require.Equal(t, worker, where.Goroutine.ID)
	require.NotEmpty(t, where.Stack)
	require.Len(t, where.CreationChain, 3)
	child := worker
	for i, creator := range []string{"main.level2", "main.level1", "main.main"} {
		link := where.CreationChain[i]
		require.Equal(t, child, link.ChildID)
		require.Equal(t, tb[child].ParentID, link.ParentID)
		require.Equal(t, creator, link.GoStatement.Function)
		require.True(t, link.ParentAlive)
		child = link.ParentID
	}
	require.Equal(t, int64(1), child)
	require.Empty(t, where.Ancestors, "no tracebackancestors in this target")

	r = run(t, "", nil, "core", exe, core, "-c", "pstree --json")
	require.Equal(t, 0, r.code, r.stderr)
	var roots []struct {
		ID       int64 `json:"id"`
		Count    int   `json:"count"`
		Children []any `json:"children"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &roots))
	require.Equal(t, int64(1), roots[0].ID)
	// Every goroutine appears in the tree exactly once (collapsed nodes count
	// for their members).
	var count func(nodes []any) int
	count = func(nodes []any) int {
		n := 0
		for _, x := range nodes {
			m := x.(map[string]any)
			if !m["exited"].(bool) {
				n += int(m["count"].(float64))
			}
			n += count(m["children"].([]any))
		}
		return n
	}
	var all []any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &all))
	require.Equal(t, len(tb), count(all))
}

func TestWhereShowsAncestors(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, text := testutil.CrashCore(t, exe, []string{"-n", "2"}, []string{"GODEBUG=tracebackancestors=5"})
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	var worker int64
	for id, g := range tb {
		if g.CreatedBy == "main.level2" {
			worker = id
			break
		}
	}
	r := run(t, "", nil, "core", exe, core, "-c", "where "+strconv.FormatInt(worker, 10))
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Ancestors (GODEBUG=tracebackancestors):")
	for _, a := range tb[worker].Ancestors {
		require.Contains(t, r.stdout, "goroutine "+strconv.FormatInt(a.ID, 10))
	}
	require.Contains(t, r.stdout, "main.level2")
}

// TestProgressOnlyOnTerminals runs dlv-tasks under a pseudo-terminal
// (util-linux script): long reads report progress on stderr there, while the
// pipes of every other test see none.
func TestProgressOnlyOnTerminals(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("util-linux script is not installed: no pseudo-terminal to test with")
	}
	// Several pages of Delve's listing (1,000 goroutines each): progress is
	// reported between pages, and cleared at the end.
	exe := testutil.BuildTarget(t, "many")
	core, _ := testutil.CrashCore(t, exe, []string{"-n", "2500"}, nil)
	cmd := exec.Command(script, "-qec", dlvTasks(t)+" core "+exe+" "+core+" -c 'ps -limit 1'", "/dev/null")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "reading goroutines:")
	require.Contains(t, string(out), "showing the first 1 (-limit 1)")
}

// TestInterruptHaltsContinue sends Ctrl-C (SIGINT) while the target runs
// under continue: the target halts, dlv-tasks survives, and the prompt keeps
// working. It waits for the target's own READY line (it has built the zoo
// and blocks), then for dlv-tasks' report of the halt: no clock.
func TestInterruptHaltsContinue(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	cmd := exec.Command(dlvTasks(t), "exec", exe, "--", "-n", "1")
	cmd.Env = append(os.Environ(), "DLV_TASKS_HISTORY="+filepath.Join(t.TempDir(), "h"))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var stdout, stderr watchedOutput
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	wait := func(what string, seen ...<-chan struct{}) {
		t.Helper()
		cases := append([]<-chan struct{}{}, seen...)
		for len(cases) < 2 {
			cases = append(cases, nil)
		}
		select {
		case <-cases[0]:
		case <-cases[1]:
		case err := <-done:
			t.Fatalf("dlv-tasks exited (%v) before %s; stdout:\n%s\nstderr:\n%s", err, what, stdout.String(), stderr.String())
		case <-time.After(time.Minute):
			t.Fatalf("no %s within a minute; stdout:\n%s\nstderr:\n%s", what, stdout.String(), stderr.String())
		}
	}

	_, err = io.WriteString(stdin, "continue\n")
	require.NoError(t, err)
	// The target's output goes to dlv-tasks' stderr.
	wait("READY line from the target", stderr.when("READY "), stderr.when("READY "))
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	wait("report of the halt", stderr.when("stopped at"))
	_, err = io.WriteString(stdin, "ps -user -loc main.level3\nexit\n")
	require.NoError(t, err)
	stdin.Close()

	select {
	case err := <-done:
		require.NoError(t, err, "stderr: %s", stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("dlv-tasks did not finish; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	require.Contains(t, stderr.String(), "stopped at", "continue reports where the halt stopped the target")
	require.Regexp(t, `(?m)^[1-9]\d* goroutines? \(of \d+: -user hides \d+ runtime ones, -loc hides \d+ more\)$`, stdout.String(), "ps works after the halt")
	require.Contains(t, stdout.String(), "main.level3")
}

// watchedOutput collects a process's output and tells when a text first
// appears in it.
type watchedOutput struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	watches map[string]chan struct{}
}

func (w *watchedOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	for text, seen := range w.watches {
		if bytes.Contains(w.buf.Bytes(), []byte(text)) {
			close(seen)
			delete(w.watches, text)
		}
	}
	return n, err
}

// when returns a channel closed once text has been written.
func (w *watchedOutput) when(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := make(chan struct{})
	if bytes.Contains(w.buf.Bytes(), []byte(text)) {
		close(seen)
		return seen
	}
	if w.watches == nil {
		w.watches = map[string]chan struct{}{}
	}
	w.watches[text] = seen
	return seen
}

func (w *watchedOutput) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// processesRunning lists the pids whose executable is exe.
func processesRunning(t *testing.T, exe string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink("/proc/" + e.Name() + "/exe"); err == nil && link == exe {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestExecKillsWhatItLaunched checks the end-to-end behaviour; Delve itself
// also kills a process it launched whatever the detach flag says.
func TestExecKillsWhatItLaunched(t *testing.T) {
	exe := testutil.BuildTargetFlags(t, "zoo", "-ldflags=-X main.unused=exec-kill-test")
	r := run(t, "", nil, "exec", exe, "-c", "break main.ready", "-c", "continue", "-c", "ps -limit 1")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "showing the first 1 (-limit 1)")
	require.Empty(t, processesRunning(t, exe), "the launched target outlived the session")
}

// TestExecutionControl steps through the zoo with the debugger commands a
// user needs to stop at the right moment, then dumps a core and reads it.
func TestExecutionControl(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	dump := filepath.Join(t.TempDir(), "zoo.core")
	r := run(t, "", nil, "exec",
		"-c", "break main.level2",
		"-c", "breakpoints",
		"-c", "continue",
		"-c", "print n",
		"-c", "next",
		"-c", "next",
		"-c", "step",
		"-c", "stepout",
		"-c", "clear 1",
		"-c", "breakpoints",
		"-c", "break main.ready",
		"-c", "continue",
		"-c", "goroutine 1",
		"-c", "print -g 1 len(os.Args)",
		"-c", "dump "+dump,
		"-c", "ps -user -loc main.level3 -limit 1",
		exe, "--", "-n", "1") // after --, everything goes to the target
	require.Equal(t, 0, r.code, r.stderr)
	out, notes := r.stdout, r.stderr
	require.Contains(t, notes, "Breakpoint 1 set at main.level2")
	require.Regexp(t, `(?m)^1\s+main\.level2 .*zoo/main\.go:\d+\s+0`, out, "breakpoints lists it, not yet hit")
	require.Contains(t, notes, "stopped at main.level2")
	require.Contains(t, notes, "(breakpoint 1)")
	require.Regexp(t, `(?m)^1$`, out, "print n: the zoo runs with -n 1")
	require.Contains(t, notes, "Breakpoint 1 cleared at main.level2")
	require.Contains(t, notes, "stopped at main.ready")
	require.Contains(t, notes, "Switched to goroutine 1")
	require.Regexp(t, `(?m)^3$`, out, "print len(os.Args): zoo -n 1")
	require.Contains(t, notes, "Core dump written to "+dump)
	require.Contains(t, out, "showing the first 1 (-limit 1)")

	// The dump opens as a core, and agrees with the live listing.
	r2 := run(t, "", nil, "core", exe, dump, "-c", "ps -user -loc main.level3 -limit 1")
	require.Equal(t, 0, r2.code, r2.stderr)
	require.Contains(t, r2.stdout, "showing the first 1 (-limit 1)")
	require.Contains(t, r2.stdout, "main.level3")
}

// TestExitedGoroutineHistory checks the runtime's partial history of exited
// goroutines against the traceback: the zoo's main.lastWords goroutine has
// exited (the traceback does not list it), and ps-terminated -runtime and
// where still name its parent and creation site.
func TestExitedGoroutineHistory(t *testing.T) {
	exe, core, text := zooCore(t)
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	r := run(t, "", nil, "core", exe, core, "-c", "ps-terminated -runtime --json")
	require.Equal(t, 0, r.code, r.stderr)
	var doc struct {
		Source string `json:"source"`
		Exited []struct {
			ID          int64 `json:"id"`
			ParentID    int64 `json:"parent_id"`
			GoStatement struct {
				Function string `json:"function"`
			} `json:"go_statement"`
			Start struct {
				Function string `json:"function"`
			} `json:"start"`
		} `json:"exited"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	require.Equal(t, "runtime", doc.Source)
	var last int64
	for _, e := range doc.Exited {
		_, alive := tb[e.ID]
		require.False(t, alive, "goroutine %d is in the traceback: not exited", e.ID)
		if e.Start.Function == "main.lastWords" {
			last = e.ID
			require.Equal(t, int64(1), e.ParentID)
			require.Equal(t, "main.main", e.GoStatement.Function)
		}
	}
	require.NotZero(t, last, "main.lastWords' record survives")

	r = run(t, "", nil, "core", exe, core, "-c", "where "+strconv.FormatInt(last, 10))
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "has exited; its runtime record survives (partial history)")
	require.Contains(t, r.stdout, "created by goroutine 1 at main.main")
}

// Read-only one-shot commands on attach take a low-pause snapshot: the
// pause is said on stderr, the answer is the full attach's, the target is
// left running and untraced, and the copy is removed.
func TestAttachSnapshotOneShot(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTarget(t, exe, []string{"-n", "2"}, nil)
	tmp := t.TempDir()
	env := []string{"TMPDIR=" + tmp}
	ids := func(stdout string) []float64 {
		var docs []map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout), &docs), stdout)
		var out []float64
		for _, d := range docs {
			out = append(out, d["id"].(float64))
		}
		return out
	}
	snap := run(t, "", env, "attach", itoa(tg.Pid), "-c", "ps -user --json", "-c", "where 1")
	require.Equal(t, 0, snap.code, snap.stderr)
	require.Regexp(t, `dlv-tasks: target paused [0-9.]+[µm]?s to copy [0-9.]+ [KM]iB of its memory \([0-9]+ threads\); it runs on\n`, snap.stderr)
	full := run(t, "", env, "attach", "--full", itoa(tg.Pid), "-c", "ps -user --json", "-c", "where 1")
	require.Equal(t, 0, full.code, full.stderr)
	require.NotContains(t, full.stderr, "target paused")
	first := strings.Index(snap.stdout, "]\n")
	require.Positive(t, first)
	require.Equal(t, ids(full.stdout[:strings.Index(full.stdout, "]\n")+1]), ids(snap.stdout[:first+1]))
	require.Equal(t, full.stdout[strings.Index(full.stdout, "]\n"):], snap.stdout[first:], "where 1")
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, entries, "the snapshot's copy is removed")
	select {
	case <-tg.Exited():
		t.Fatal("target exited after the snapshot")
	default:
	}
	status, err := os.ReadFile("/proc/" + itoa(tg.Pid) + "/status")
	require.NoError(t, err)
	require.NotContains(t, string(status), "tracing stop")
	require.Contains(t, string(status), "TracerPid:\t0")
	// A command that needs Delve attaches it for the session.
	r := run(t, "", env, "attach", itoa(tg.Pid), "-c", "ps -limit 1", "-c", "print 1+1")
	require.Equal(t, 0, r.code, r.stderr)
	require.NotContains(t, r.stderr, "target paused")
}
