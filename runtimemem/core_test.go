package runtimemem_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/runtimemem"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

// readCore collects and resolves every goroutine of a crash core of target,
// with no debugger, and returns them with the runtime's own traceback.
func readCore(t *testing.T, target string, args ...string) (*runtimemem.Collection, []runtimemem.Resolved, map[int64]testutil.TracebackGoroutine) {
	t.Helper()
	exe := testutil.BuildTarget(t, target)
	corePath, tb := testutil.CrashCore(t, exe, args, nil)
	want, err := testutil.ParseTraceback(tb)
	if err != nil {
		t.Fatal(err)
	}
	lay, err := runtimemem.LoadLayout(exe)
	if err != nil {
		t.Fatal(err)
	}
	syms, err := runtimemem.OpenSymbols(exe)
	if err != nil {
		t.Fatal(err)
	}
	core, err := runtimemem.OpenCore(corePath, exe)
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	if len(core.Threads) == 0 {
		t.Fatal("no threads in the core")
	}
	col, err := runtimemem.Collect(context.Background(), core, lay, core.Threads, runtimemem.Options{Frames: syms})
	if err != nil {
		t.Fatal(err)
	}
	if n := col.Corrupt.Total(); n != 0 {
		t.Errorf("%d corrupt items in a sound core: %s", n, col.Corrupt.String())
	}
	return col, syms.Resolve(col), want
}

// stateText is the traceback's state of a goroutine as read.
func stateText(col *runtimemem.Collection, g *runtimemem.G) string {
	switch g.Status {
	case runtimemem.StatusWaiting, runtimemem.StatusLeaked:
		return col.WaitReason(g.WaitReason)
	case runtimemem.StatusRunning:
		return "running"
	case runtimemem.StatusRunnable:
		return "runnable"
	case runtimemem.StatusSyscall:
		return "syscall"
	case runtimemem.StatusPreempted:
		return "preempted"
	}
	return fmt.Sprintf("status %d", g.Status)
}

// TestCoreAgainstTraceback reads kernel cores of several targets and
// checks every goroutine against the runtime's crash traceback: id, parent,
// state, labels, creator, and the first user frame (function, file, line).
func TestCoreAgainstTraceback(t *testing.T) {
	for _, tc := range []struct {
		target string
		args   []string
	}{
		{"many", []string{"-n", "2000"}},
		{"zoo", nil},
		{"inlined", nil},
		{"deepstack", nil},
		{"dispatch", nil},
		{"cgoworld", nil},
		{"panics", nil},
		{"spawnhelper", nil},
	} {
		t.Run(tc.target, func(t *testing.T) {
			col, res, want := readCore(t, tc.target, tc.args...)
			seen := 0
			for i := range col.Goroutines {
				g, r := &col.Goroutines[i], &res[i]
				if g.Dead() {
					continue
				}
				w, ok := want[g.ID]
				if !ok {
					t.Errorf("goroutine %d (status %d) read, not in the traceback", g.ID, g.Status)
					continue
				}
				seen++
				if got := stateText(col, g); got != w.State && !(w.State == "running" || got == "running" || got == "runnable") {
					t.Errorf("goroutine %d: state %q, traceback %q", g.ID, got, w.State)
				}
				if g.ParentID != w.ParentID && w.ParentID != 0 {
					t.Errorf("goroutine %d: parent %d, traceback %d", g.ID, g.ParentID, w.ParentID)
				}
				if w.CreatedBy != "" && r.GoStatement.Function != w.CreatedBy {
					t.Errorf("goroutine %d: created by %q, traceback %q", g.ID, r.GoStatement.Function, w.CreatedBy)
				}
				if w.CreatedBy != "" && (r.GoStatement.File != w.CreatedAt.File || r.GoStatement.Line != w.CreatedAt.Line) {
					t.Errorf("goroutine %d: go statement %s:%d, traceback %s:%d", g.ID, r.GoStatement.File, r.GoStatement.Line, w.CreatedAt.File, w.CreatedAt.Line)
				}
				if w.Labels != nil {
					set := col.LabelSets[g.Labels]
					if fmt.Sprint(set.Labels) != fmt.Sprint(w.Labels) {
						t.Errorf("goroutine %d: labels %v, traceback %v", g.ID, set.Labels, w.Labels)
					}
				}
				if w.StackUnavailable || len(w.Frames) == 0 {
					continue
				}
				var user *testutil.TracebackFrame
				for k := range w.Frames {
					if runtimemem.IsUserFunction(w.Frames[k].Function) {
						user = &w.Frames[k]
						break
					}
				}
				if user == nil {
					continue
				}
				if !r.HasUser || genericName(r.User.Function) != user.Function || r.User.File != user.File || r.User.Line != user.Line {
					t.Errorf("goroutine %d (origin %v, frames %d, %s): user frame %s %s:%d, traceback %s %s:%d",
						g.ID, g.Origin, g.Frames, g.StackErr, r.User.Function, r.User.File, r.User.Line, user.Function, user.File, user.Line)
				}
			}
			if seen < len(want)-2 {
				t.Errorf("%d goroutines of the traceback's %d read", seen, len(want))
			}
			t.Logf("%d goroutines, %d reads, %d bytes", seen, col.Reads, col.Bytes)
		})
	}
}

// genericName prints a generic function's name as the runtime's traceback
// does: its type arguments as "...".
func genericName(fn string) string {
	i := strings.IndexByte(fn, '[')
	j := strings.LastIndexByte(fn, ']')
	if i < 0 || j < i {
		return fn
	}
	return fn[:i] + "[...]" + fn[j+1:]
}
