package dlvclient_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpc2"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

// toolchains are the Go releases every oracle test builds its targets with:
// this one and Go 1.27 (fetched by the go command from the module proxy).
var toolchains = []struct{ name, toolchain string }{
	{"go-default", ""},
	{testutil.Go127, testutil.Go127},
}

// forEachToolchain runs f as a subtest per toolchain, with exe built by it.
func forEachToolchain(t *testing.T, target string, f func(t *testing.T, exe string)) {
	for _, tc := range toolchains {
		t.Run(tc.name, func(t *testing.T) {
			f(t, testutil.BuildTargetWith(t, target, testutil.BuildOptions{Toolchain: tc.toolchain}))
		})
	}
}

// zooArgs make the zoo target big enough to be interesting and small enough
// to crash quickly.
var zooArgs = []string{"-n", "6"}

// compareWithTraceback checks a snapshot against the runtime's own crash
// traceback of the same process, field by field: the same goroutine ids, and
// for each one the same parent id, creator function and line, start
// function, state or wait reason, wait minutes, labels (exact) and location
// (function and line of one frame, inlined frames included).
func compareWithTraceback(t *testing.T, snap *model.Snapshot, text []byte) {
	t.Helper()
	tb := parseTraceback(t, text)
	checkedParents := compareSnapshot(t, snap, tb)
	require.Greater(t, checkedParents, 10, "the zoo has many goroutines with parents")
}

func parseTraceback(t *testing.T, text []byte) map[int64]testutil.TracebackGoroutine {
	t.Helper()
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	require.NotEmpty(t, tb)
	return tb
}

// compareSnapshot is compareWithTraceback for any target; it returns how
// many goroutines had a parent.
func compareSnapshot(t *testing.T, snap *model.Snapshot, tb map[int64]testutil.TracebackGoroutine) int {
	t.Helper()
	var tbIDs, ourIDs []int64
	for id := range tb {
		tbIDs = append(tbIDs, id)
	}
	for _, g := range snap.Goroutines {
		ourIDs = append(ourIDs, g.ID)
	}
	sort.Slice(tbIDs, func(i, j int) bool { return tbIDs[i] < tbIDs[j] })
	require.Equal(t, tbIDs, ourIDs, "goroutine ids: runtime traceback vs dlv-tasks")

	checkedParents := 0
	for _, g := range snap.Goroutines {
		want := tb[g.ID]
		require.Equalf(t, want.ParentID, g.ParentID, "goroutine %d parent (traceback header %q)", g.ID, want.Header)
		if want.ParentID != 0 {
			checkedParents++
		}
		require.Equalf(t, want.CreatedBy, g.GoStatement.Function, "goroutine %d creator", g.ID)
		if want.CreatedBy != "" {
			require.Equalf(t, want.CreatedAt.Line, g.GoStatement.Line, "goroutine %d go statement line", g.ID)
		}
		require.Equalf(t, want.State, ourState(g), "goroutine %d state (traceback header %q)", g.ID, want.Header)
		compareWait(t, g, want)
		compareLabels(t, g, want)
		if snap.Target.Executable != "" {
			// Without the executable (connect to a server elsewhere) the
			// location is Delve's own, uncorrected: see userLocation.
			compareLocation(t, g, want)
		}
	}
	compareStarts(t, snap, tb)
	return checkedParents
}

// compareLiveSnapshot is compareSnapshot for a snapshot read live before
// the target was made to print its traceback: a goroutine that could run
// when read (a spinner, a main goroutine between two system calls) may be
// running or runnable at either look, and its frames have moved — the only
// goroutines that can change in between in the test programs, which block
// everything else. Running and runnable are then the same state for the
// comparison, and such a goroutine's frames are not compared.
func compareLiveSnapshot(t *testing.T, snap *model.Snapshot, tb map[int64]testutil.TracebackGoroutine) int {
	t.Helper()
	canRun := func(state string) bool { return state == model.StatusRunning || state == model.StatusRunnable }
	adjusted := make(map[int64]testutil.TracebackGoroutine, len(tb))
	for id, g := range tb {
		if ours := snap.Goroutine(id); ours != nil && canRun(ours.Status) {
			if canRun(g.State) {
				g.State = ours.Status
			}
			g.Frames, g.StackUnavailable = nil, true
		}
		adjusted[id] = g
	}
	return compareSnapshot(t, snap, adjusted)
}

// compareWait checks the wait time against the runtime's "N minutes". On a
// live target the time is exact and its whole minutes are the runtime's
// (the traceback is printed a little later: it may say one minute more). On
// a core it is a lower bound, never more than the runtime's; where the core
// also bounds it from above (WaitedAtMost: the process died before sysmon
// would next have woken), the runtime's minutes lie between the two, so
// that what is shown never says less than the runtime does.
func compareWait(t *testing.T, g model.Goroutine, want testutil.TracebackGoroutine) {
	t.Helper()
	got := int(g.Waited / time.Minute)
	if want.Minutes == 0 {
		require.Zerof(t, got, "goroutine %d waited %v; the runtime prints no minutes (%q)", g.ID, g.Waited, want.Header)
		return
	}
	require.LessOrEqualf(t, got, want.Minutes, "goroutine %d waited %v, the runtime says %d minutes", g.ID, g.Waited, want.Minutes)
	if g.WaitedAtMost > 0 {
		require.Truef(t, g.WaitedAtLeast, "goroutine %d: a range is a bound", g.ID)
		require.GreaterOrEqualf(t, int(g.WaitedAtMost/time.Minute), want.Minutes, "goroutine %d waited %v–%v, the runtime says %d minutes", g.ID, g.Waited, g.WaitedAtMost, want.Minutes)
		return
	}
	require.GreaterOrEqualf(t, got, want.Minutes-1, "goroutine %d waited %v (lower bound %v), the runtime says %d minutes", g.ID, g.Waited, g.WaitedAtLeast, want.Minutes)
}

// compareLabels checks labels exactly (the target runs with
// GODEBUG=tracebacklabels=1, which prints whole values). A set over the
// reader's bounds (LabelsIncomplete) must be what the runtime holds, cut:
// fewer labels or shorter values, each the start of the runtime's, and said
// to be incomplete only when it is.
func compareLabels(t *testing.T, g model.Goroutine, want testutil.TracebackGoroutine) {
	t.Helper()
	wantLabels := want.Labels
	if wantLabels == nil {
		wantLabels = map[string]string{}
	}
	if g.LabelsIncomplete == "" {
		require.Equalf(t, wantLabels, g.Labels, "goroutine %d labels", g.ID)
		return
	}
	require.NotEqualf(t, wantLabels, g.Labels, "goroutine %d labels said incomplete (%s) but whole", g.ID, g.LabelsIncomplete)
	for k, v := range g.Labels {
		full, ok := wantLabels[k]
		require.Truef(t, ok, "goroutine %d label %.40q: not in the runtime's set", g.ID, k)
		require.Truef(t, strings.HasPrefix(full, v), "goroutine %d label %.40q: %d bytes not the start of the runtime's %d", g.ID, k, len(v), len(full))
	}
}

// compareLocation checks the goroutine's location against the traceback's
// first frame that Delve's rule calls the user's (not in the runtime's
// private functions, internal/ or iter.): the same frame's function and line,
// an inlined frame being a frame.
func compareLocation(t *testing.T, g model.Goroutine, want testutil.TracebackGoroutine) {
	t.Helper()
	if want.StackUnavailable || len(want.Frames) == 0 {
		return
	}
	for i, f := range want.Frames {
		if !isUserFrame(f.Function) {
			continue
		}
		require.Equalf(t, normalizeFunction(f.Function), normalizeFunction(g.Location.Function), "goroutine %d location function (%s:%d)", g.ID, f.File, f.Line)
		if i > 0 || g.Status != model.StatusRunning {
			require.Equalf(t, f.Line, g.Location.Line, "goroutine %d location line of %s", g.ID, f.Function)
		}
		return
	}
}

// isUserFrame is Delve's rule for a goroutine's user location
// (pkg/proc/variables.go, UserCurrent), on the traceback's names.
func isUserFrame(fn string) bool {
	if fn == "panic" {
		fn = "runtime.gopanic"
	}
	if !strings.Contains(fn, ".") || strings.HasPrefix(fn, "internal/") || strings.HasPrefix(fn, "runtime/internal") || strings.HasPrefix(fn, "iter.") {
		return false
	}
	if name, ok := strings.CutPrefix(fn, "runtime."); ok {
		return name != "" && name[0] >= 'A' && name[0] <= 'Z'
	}
	return true
}

// normalizeFunction writes a function name as the traceback does: type
// arguments of a generic instantiation as "[...]", runtime.gopanic as panic.
func normalizeFunction(fn string) string {
	if fn == "runtime.gopanic" {
		return "panic"
	}
	var b strings.Builder
	depth := 0
	for _, r := range fn {
		switch {
		case r == '[':
			if depth == 0 {
				b.WriteString("[...]")
			}
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isWrapperFrame reports a frame of compiler-generated code that is not the
// user's start function: a go statement's wrapper, a method value's M-fm, an
// <autogenerated> method.
func isWrapperFrame(f testutil.TracebackFrame) bool {
	if f.File == "<autogenerated>" || strings.HasSuffix(f.Function, "-fm") {
		return true
	}
	i := strings.LastIndex(f.Function, ".gowrap")
	return i >= 0 && strings.Trim(f.Function[i+len(".gowrap"):], "0123456789") == "" && len(f.Function) > i+len(".gowrap")
}

// compareStarts checks each goroutine's start function against its stack in
// the traceback: the outermost frame below runtime.goexit that is not
// compiler-generated (go-statement wrappers, method values, autogenerated
// methods), or the innermost of those when nothing else is on the stack (a
// goroutine that has not run yet).
func compareStarts(t *testing.T, snap *model.Snapshot, tb map[int64]testutil.TracebackGoroutine) {
	t.Helper()
	for _, g := range snap.Goroutines {
		frames := tb[g.ID].Frames
		if tb[g.ID].Elided || len(frames) < 2 || frames[len(frames)-1].Function != "runtime.goexit" {
			continue
		}
		want := ""
		for i := len(frames) - 2; i >= 0; i-- {
			want = frames[i].Function
			if !isWrapperFrame(frames[i]) {
				break
			}
		}
		require.Equalf(t, normalizeFunction(want), normalizeFunction(g.Start.Function), "goroutine %d start function (traceback header %q)", g.ID, tb[g.ID].Header)
	}
}

// ourState is what the runtime prints between brackets for g.
func ourState(g model.Goroutine) string {
	if g.Status == model.StatusWaiting {
		return g.WaitReason
	}
	if g.Status == model.StatusLeaked && g.WaitReason != "" {
		return g.WaitReason + " (leaked)"
	}
	return g.Status
}

// readStacks reads the `where` stack of every goroutine that is not running,
// in the traceback's convention. Frame 0 of a goroutine that is not running
// is its resume pc (runtime.g.sched.pc, a return address): Delve reports the
// line of that pc, the runtime the line of pc-1, the call it will return
// from. That is the one convention to know: frame 0 is read here at pc-1,
// like every other frame, through Symbolize(returnAddresses=true).
func readStacks(t *testing.T, s *dlvclient.Session, snap *model.Snapshot) map[int64][]model.Frame {
	t.Helper()
	out := map[int64][]model.Frame{}
	for _, g := range snap.Goroutines {
		if g.Status == model.StatusRunning {
			continue
		}
		got, err := s.Stack(g.ID, 256)
		require.NoError(t, err)
		if len(got) > 0 && got[0].PC != 0 {
			if resumed := s.Symbolize([]uint64{got[0].PC}, true); len(resumed) > 0 && resumed[0].Function == got[0].Function {
				got[0].Line = resumed[0].Line
			}
		}
		out[g.ID] = got
	}
	return out
}

// compareStacks checks `where` stacks frame by frame against the traceback:
// the same functions (inlined frames included) and lines, down to
// runtime.goexit.
func compareStacks(t *testing.T, stacks map[int64][]model.Frame, tb map[int64]testutil.TracebackGoroutine) {
	t.Helper()
	compared := 0
	for id, got := range stacks {
		want := tb[id]
		if want.StackUnavailable || want.Elided || len(want.Frames) == 0 {
			continue
		}
		var gotFns, wantFns []string
		for _, f := range got {
			gotFns = append(gotFns, normalizeFunction(f.Function)+":"+strconv.Itoa(f.Line))
		}
		for _, f := range want.Frames {
			wantFns = append(wantFns, normalizeFunction(f.Function)+":"+strconv.Itoa(f.Line))
		}
		require.Equalf(t, wantFns, gotFns, "goroutine %d stack (traceback header %q)", id, want.Header)
		compared++
	}
	require.Greater(t, compared, 0)
}

func TestKernelCoreMatchesRuntimeTraceback(t *testing.T) {
	forEachToolchain(t, "zoo", testKernelCoreMatchesRuntimeTraceback)
}

func testKernelCoreMatchesRuntimeTraceback(t *testing.T, exe string) {
	core, text := testutil.CrashCore(t, exe, zooArgs, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	require.False(t, s.Live())
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	compareWithTraceback(t, snap, text)
	compareStacks(t, readStacks(t, s, snap), parseTraceback(t, text))

	// Labels set by pprof.Do are visible, as the traceback prints them.
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	labelled := 0
	for _, g := range snap.Goroutines {
		if want := tb[g.ID].Labels; len(want) > 0 {
			require.Equal(t, want, g.Labels, "goroutine %d labels", g.ID)
			labelled++
		}
	}
	require.Greater(t, labelled, 0)
}

// TestLiveAttachAndDelveDumpMatchRuntimeTraceback attaches to a running
// target, reads it, writes a core through Delve, detaches, then makes the same
// process print its own traceback: the live read and the dump must both agree
// with it.
func TestLiveAttachAndDelveDumpMatchRuntimeTraceback(t *testing.T) {
	forEachToolchain(t, "zoo", testLiveAttachAndDelveDumpMatchRuntimeTraceback)
}

func testLiveAttachAndDelveDumpMatchRuntimeTraceback(t *testing.T, exe string) {
	tg := testutil.StartTracedTarget(t, exe, zooArgs, []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1"})

	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	require.True(t, s.Live())
	live, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	dump := filepath.Join(t.TempDir(), "delve.core")
	require.NoError(t, s.Dump(dump))
	require.NoError(t, s.Close())

	require.NoError(t, syscall.Kill(tg.Pid, syscall.SIGQUIT))
	select {
	case <-tg.Exited():
	case <-time.After(time.Minute):
		t.Fatal("target did not die of SIGQUIT")
	}
	text := tg.Stderr()
	compareWithTraceback(t, live, text)

	d, err := dlvclient.OpenCore(exe, dump)
	require.NoError(t, err)
	defer d.Close()
	fromDump, err := d.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	compareWithTraceback(t, fromDump, text)
}

// TestAncestorsMatchRuntimeTraceback runs the target with
// GODEBUG=tracebackancestors=N: Delve's Ancestors must give, for every
// goroutine, the creators and their creation-time stacks that the runtime's
// own traceback prints as "[originating from goroutine N]".
func TestAncestorsMatchRuntimeTraceback(t *testing.T) {
	forEachToolchain(t, "zoo", testAncestorsMatchRuntimeTraceback)
}

func testAncestorsMatchRuntimeTraceback(t *testing.T, exe string) {
	core, text := testutil.CrashCore(t, exe, zooArgs, []string{"GODEBUG=tracebackancestors=10"})
	tb, err := testutil.ParseTraceback(text)
	require.NoError(t, err)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)

	checked := 0
	for _, g := range snap.Goroutines {
		want := tb[g.ID].Ancestors
		got, enabled, err := s.Ancestors(g.ID, 10, 64)
		require.NoError(t, err)
		require.True(t, enabled)
		require.Len(t, got, len(want), "goroutine %d ancestors", g.ID)
		for i := range want {
			require.Equal(t, want[i].ID, got[i].ID, "goroutine %d ancestor %d", g.ID, i)
			require.NotEmpty(t, got[i].Stack)
			require.Equal(t, want[i].Frames[0].Function, got[i].Stack[0].Function, "goroutine %d ancestor %d top frame", g.ID, i)
			require.Equal(t, want[i].Frames[0].Line, got[i].Stack[0].Line, "goroutine %d ancestor %d top frame line", g.ID, i)
		}
		if len(want) >= 2 {
			checked++
		}
	}
	require.Greater(t, checked, 5, "level3 workers have two or more ancestors")

	// Without the GODEBUG setting the runtime keeps none: say so, no error.
	core2, _ := testutil.CrashCore(t, exe, zooArgs, nil)
	s2, err := dlvclient.OpenCore(exe, core2)
	require.NoError(t, err)
	defer s2.Close()
	got, enabled, err := s2.Ancestors(1, 10, 10)
	require.NoError(t, err)
	require.False(t, enabled)
	require.Empty(t, got)
}

// TestDispatchMatchesRuntimeTraceback runs testdata/dispatch (dynamic go
// statements, interface methods, method values, generics, closures in loops,
// WaitGroup.Go, timers, init-time goroutines, Goexit, recovered panics, deep
// recursion, long, many and nested labels, a spawn helper) and compares every
// field and every stack with the runtime's own traceback: on a kernel core,
// and live (the same process, read attached, then made to crash).
func TestDispatchMatchesRuntimeTraceback(t *testing.T) {
	forEachToolchain(t, "dispatch", testDispatchMatchesRuntimeTraceback)
}

func testDispatchMatchesRuntimeTraceback(t *testing.T, exe string) {
	t.Run("core", func(t *testing.T) {
		core, text := testutil.CrashCore(t, exe, nil, nil)
		s, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer s.Close()
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		tb := parseTraceback(t, text)
		compareSnapshot(t, snap, tb)
		compareStacks(t, readStacks(t, s, snap), tb)
		checkDispatchQueries(t, snap)
	})
	t.Run("live", func(t *testing.T) {
		tg := testutil.StartTracedTarget(t, exe, nil, []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1"})
		s, err := dlvclient.Attach(tg.Pid)
		require.NoError(t, err)
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		stacks := readStacks(t, s, snap)
		require.NoError(t, s.Close())
		text := crashLive(t, tg)
		tb := parseTraceback(t, text)
		compareSnapshot(t, snap, tb)
		compareStacks(t, stacks, tb)
	})
	t.Run("connect", func(t *testing.T) {
		// A headless server on this host: the executable is found from
		// the target's pid (checked by build id) and serves as for attach.
		tg := testutil.StartTracedTarget(t, exe, nil, []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1"})
		addr := startHeadless(t, 2, nil, debugger.Config{AttachPid: tg.Pid})
		s, err := dlvclient.Connect(addr)
		require.NoError(t, err)
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		require.NotEmpty(t, snap.Target.Executable)
		require.Equal(t, "CLOCK_MONOTONIC", snap.Clock.Source)
		stacks := readStacks(t, s, snap)
		require.NoError(t, s.Close())
		// The server stays attached after a client leaves: detach it, or
		// it would catch the SIGQUIT.
		require.NoError(t, rpc2.NewClient(addr).Detach(false))
		tb := parseTraceback(t, crashLive(t, tg))
		compareSnapshot(t, snap, tb)
		compareStacks(t, stacks, tb)
	})
}

// checkDispatchQueries runs the queries the issue found wrong: a label value
// over 64 bytes selects its goroutine exactly; -loc matches the inlined
// function a goroutine is in; starts of a dynamic go statement differ.
func checkDispatchQueries(t *testing.T, snap *model.Snapshot) {
	t.Helper()
	long := chains.Select(snap.Goroutines, chains.Filter{Labels: []chains.LabelMatch{chains.ParseLabelMatch("id=" + strings.Repeat("x", 70))}})
	require.Len(t, long, 1, "ps -with id=<70 x>")
	require.Len(t, long[0].Labels, 3, "keys sharing a 64-byte prefix stay apart")
	loop := chains.Select(snap.Goroutines, chains.Filter{Loc: regexp.MustCompile(`^main\.\(\*server\)\.loop$`)})
	require.Len(t, loop, 1, "-loc on a function inlined into a method value wrapper")
	starts := map[string]int{}
	for _, g := range snap.Goroutines {
		if g.GoStatement.Function == "main.main" && strings.HasSuffix(g.Start.Function, "Order") {
			starts[g.Start.Function]++
		}
	}
	require.Equal(t, map[string]int{"main.acceptOrder": 1, "main.refundOrder": 2, "main.archiveOrder": 1}, starts, "go h(inbox) over a table of handlers")
}

// crashLive makes a running target print its traceback (SIGQUIT with
// GOTRACEBACK=crash) and returns it.
func crashLive(t *testing.T, tg *testutil.Target) []byte {
	t.Helper()
	require.NoError(t, syscall.Kill(tg.Pid, syscall.SIGQUIT))
	select {
	case <-tg.Exited():
	case <-time.After(time.Minute):
		t.Fatal("target did not die of SIGQUIT")
	}
	return tg.Stderr()
}

// TestLeakedMatchesRuntimeTraceback reads testdata/leaks after the goroutine
// leak profile marked its leaked goroutines (Go 1.27: status leaked, shown
// "chan send (leaked)" by the runtime), on a kernel core and live.
func TestLeakedMatchesRuntimeTraceback(t *testing.T) {
	exe := testutil.BuildTargetWith(t, "leaks", testutil.BuildOptions{Toolchain: testutil.Go127})
	check := func(t *testing.T, snap *model.Snapshot, tb map[int64]testutil.TracebackGoroutine) {
		compareSnapshot(t, snap, tb)
		leaked := 0
		for _, g := range snap.Goroutines {
			if strings.HasSuffix(tb[g.ID].State, " (leaked)") {
				require.Equal(t, model.StatusLeaked, g.Status, "goroutine %d", g.ID)
				leaked++
			}
		}
		require.Equal(t, 3, leaked, "three losing fetches leaked")
		sel := chains.Select(snap.Goroutines, chains.Filter{States: []string{"leaked"}})
		require.Len(t, sel, 3, "ps -state leaked")
	}
	t.Run("core", func(t *testing.T) {
		core, text := testutil.CrashCore(t, exe, nil, nil)
		s, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer s.Close()
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		tb := parseTraceback(t, text)
		check(t, snap, tb)
		compareStacks(t, readStacks(t, s, snap), tb)
	})
	t.Run("live", func(t *testing.T) {
		tg := testutil.StartTracedTarget(t, exe, nil, []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1"})
		s, err := dlvclient.Attach(tg.Pid)
		require.NoError(t, err)
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		stacks := readStacks(t, s, snap)
		require.NoError(t, s.Close())
		tb := parseTraceback(t, crashLive(t, tg))
		check(t, snap, tb)
		compareStacks(t, stacks, tb)
	})
}
