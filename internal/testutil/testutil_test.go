package testutil

import (
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "regenerate testdata/zoo-crash-traceback.txt from a crash of the zoo target")

const zooFixture = "testdata/zoo-crash-traceback.txt"

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if err := Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	assert.True(t, filepath.IsAbs(root))
	assert.Equal(t, ModulePath, modulePathOf(filepath.Join(root, "go.mod")))
	assert.DirExists(t, filepath.Join(root, "testdata", "zoo"))
}

func TestBuildTarget(t *testing.T) {
	exe := BuildTarget(t, "zoo")
	assert.Equal(t, exe, BuildTarget(t, "zoo"), "second build of the same target must hit the cache")
	stripped := BuildTargetFlags(t, "zoo", "-ldflags=-s -w")
	assert.NotEqual(t, exe, stripped)
	assert.Equal(t, stripped, BuildTargetFlags(t, "zoo", "-ldflags=-s -w"))

	hasSymtab := func(path string) bool {
		f, err := elf.Open(path)
		require.NoError(t, err)
		defer f.Close()
		return f.Section(".symtab") != nil
	}
	assert.True(t, hasSymtab(exe), "default build keeps the symbol table")
	assert.False(t, hasSymtab(stripped), "-ldflags=-s -w strips the symbol table")

	_, err := buildTarget("no-such-target", nil, "")
	assert.ErrorContains(t, err, "no-such-target")
}

func TestStartTarget(t *testing.T) {
	exe := BuildTarget(t, "zoo")
	tg := StartTarget(t, exe, []string{"-n", "2"}, nil)
	require.NoError(t, syscall.Kill(tg.Pid, 0), "target must be running after READY")
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tg.Pid))
	require.NoError(t, err)
	assert.Contains(t, string(status), "Name:\t"+filepath.Base(exe)[:min(15, len(filepath.Base(exe)))])

	require.NoError(t, tg.Kill())
	select {
	case <-tg.Exited():
	default:
		t.Fatal("Exited not closed after Kill")
	}
	assert.Error(t, tg.WaitErr(), "a killed target reports a non-nil wait error")
	assert.ErrorIs(t, syscall.Kill(tg.Pid, 0), syscall.ESRCH)
}

func TestStartTargetFailures(t *testing.T) {
	_, err := startTarget("/bin/sh", []string{"-c", "echo oops >&2; exit 3"}, nil, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited before printing READY")
	assert.Contains(t, err.Error(), "oops")

	_, err = startTarget("/bin/sh", []string{"-c", "echo hello; exec sleep 60"}, nil, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `first stdout line is "hello"`)

	old := ReadyTimeout
	ReadyTimeout = 200 * time.Millisecond
	defer func() { ReadyTimeout = old }()
	tg, err := startTarget("/bin/sh", []string{"-c", "exec sleep 60"}, nil, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no READY line")
	<-tg.Exited() // killed on failure
}

func TestCrashEnv(t *testing.T) {
	t.Setenv("GODEBUG", "")
	assert.Equal(t, []string{"GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1", "A=1"}, crashEnv([]string{"A=1"}))
	assert.Equal(t, []string{"GOTRACEBACK=crash", "GODEBUG=tracebackancestors=5,tracebacklabels=1"},
		crashEnv([]string{"GODEBUG=tracebackancestors=5"}))
}

func TestParseTracebackZooFixture(t *testing.T) {
	if *update {
		_, tb := CrashCore(t, BuildTarget(t, "zoo"), nil, nil)
		require.NoError(t, os.WriteFile(zooFixture, tb, 0o644))
	}
	text, err := os.ReadFile(zooFixture)
	require.NoError(t, err)
	gs, err := ParseTraceback(text)
	require.NoError(t, err)
	checkZoo(t, gs, 4)
}

func TestCrashCoreZoo(t *testing.T) {
	exe := BuildTarget(t, "zoo")
	start := time.Now()
	core, tb := CrashCore(t, exe, []string{"-n", "5"}, nil)
	t.Logf("zoo -n 5: ready, crashed and dumped core in %v", time.Since(start))

	fi, err := os.Stat(core)
	require.NoError(t, err)
	assert.Greater(t, fi.Size(), int64(1<<20), "core file size")
	f, err := elf.Open(core)
	require.NoError(t, err, "core must be an ELF file")
	assert.Equal(t, elf.ET_CORE, f.Type)
	f.Close()

	gs, err := ParseTraceback(tb)
	require.NoError(t, err)
	checkZoo(t, gs, 5)

	// Frame locations point at the right source lines.
	src, err := os.ReadFile(filepath.Join(RepoRoot(t), "testdata", "zoo", "main.go"))
	require.NoError(t, err)
	lines := strings.Split(string(src), "\n")
	for _, g := range gs {
		for _, fr := range g.Frames {
			if fr.Function == "main.level3" {
				require.True(t, strings.HasSuffix(fr.File, "testdata/zoo/main.go"), fr.File)
				require.Less(t, fr.Line-1, len(lines))
				assert.Contains(t, lines[fr.Line-1], "<-forever", "main.level3 frame of goroutine %d", g.ID)
			}
		}
	}
	logStateSummary(t, gs)
}

func TestCrashCoreMany(t *testing.T) {
	exe := BuildTarget(t, "many")
	const n = 10000
	start := time.Now()
	core, tb := CrashCore(t, exe, []string{"-n", fmt.Sprint(n)}, nil)
	t.Logf("many -n %d: ready, crashed and dumped core in %v", n, time.Since(start))
	assert.FileExists(t, core)
	gs, err := ParseTraceback(tb)
	require.NoError(t, err)

	byFunc := map[string]int{}
	labelled := 0
	for _, g := range gs {
		if fn := firstMainFrame(g); fn != "" {
			byFunc[fn+" ["+g.State+"]"]++
		}
		if g.Labels["kind"] == "labelled" {
			labelled++
		}
	}
	assert.Equal(t, map[string]int{
		"main.spawner [chan receive]":        4,
		"main.recvWorker [chan receive]":     n / 5,
		"main.selectWorker [select]":         n / 5,
		"main.sleepWorker [sleep]":           n / 5,
		"main.mutexWorker [sync.Mutex.Lock]": n / 5,
		"main.labelledWorker [chan receive]": n / 5,
		"main.main [select (no cases)]":      1,
	}, byFunc)
	assert.Equal(t, n/5, labelled)
}

func TestStartManyAndDemo(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 10000
	}
	exe := BuildTarget(t, "many")
	start := time.Now()
	tg := StartTarget(t, exe, []string{"-n", fmt.Sprint(n)}, nil)
	elapsed := time.Since(start)
	t.Logf("many -n %d ready in %v", n, elapsed)
	assert.Less(t, elapsed, 10*time.Second)
	require.NoError(t, tg.Kill())

	exe = BuildTarget(t, "demo")
	start = time.Now()
	StartTarget(t, exe, nil, nil)
	elapsed = time.Since(start)
	t.Logf("demo ready in %v", elapsed)
	assert.Less(t, elapsed, 3*time.Second)
}

func TestCrashCoreDemo(t *testing.T) {
	_, tb := CrashCore(t, BuildTarget(t, "demo"), nil, nil)
	gs, err := ParseTraceback(tb)
	require.NoError(t, err)
	count := map[string]int{}
	for _, g := range gs {
		count[g.CreatedBy]++
		if g.Labels["queue"] == "orders" {
			count["labelled"]++
		}
		if hasFrame(g, "main.handleExport") {
			count["handleExport"]++
		}
	}
	assert.GreaterOrEqual(t, count["main.reportScheduler"], 3, "pile-up of main.runReportJob")
	assert.Equal(t, 5, count["example.com/demo/leakylib.(*Watcher).start"], "leaked goroutines")
	assert.Equal(t, 3, count["labelled"])
	assert.Equal(t, 1, count["handleExport"])
}

func TestParseTracebackFormats(t *testing.T) {
	text := `panic: boom

goroutine 1 [running, locked to thread]:
main.main()
	/src/main.go:10 +0x25
exit status 2

goroutine 7 [chan receive, 3 minutes]:
main.worker(...)
	/src/main.go:20
main.spawn.gowrap1()
	/src/main.go:15 +0x1d
created by main.spawn in goroutine 5
	/src/main.go:15 +0x66
[originating from goroutine 5]:
main.spawn(...)
	/src/main.go:15
created by main.main
	/src/main.go:9

goroutine 8 gp=0xc000003500 m=2 mp=0xc000080008 [running]:
	goroutine running on other thread; stack unavailable
created by net/http.(*Server).Serve in goroutine 6
	/usr/local/go/src/net/http/server.go:3454 +0x485

goroutine 9 gp=0xc000003880 m=nil [select (no cases), 12 minutes, locked to thread labels:{"a": "x\"y", "role": "w]:"}]:
main.deep[...](0x1?, {0x2, 0x3})
	/src/main.go:30 +0x1 fp=0xc1 sp=0xc2 pc=0xc3
...additional frames elided...
created by time.goFunc
	/usr/local/go/src/time/sleep.go:215 +0x2d
goroutine 0 gp=0x6a1e40 m=0 mp=0x6a2b20 [idle]:
runtime.futex(0x6a2c78)
	/usr/local/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x1 sp=0x2 pc=0x3
rax    0xca
`
	gs, err := ParseTraceback([]byte(text))
	require.NoError(t, err)
	require.Len(t, gs, 4)

	g1 := gs[1]
	assert.Equal(t, "running", g1.State)
	assert.True(t, g1.Locked)
	assert.Equal(t, []TracebackFrame{{"main.main", "/src/main.go", 10}}, g1.Frames)
	assert.Empty(t, g1.CreatedBy)

	g7 := gs[7]
	assert.Equal(t, "chan receive", g7.State)
	assert.Equal(t, 3, g7.Minutes)
	assert.Equal(t, []TracebackFrame{{"main.worker", "/src/main.go", 20}, {"main.spawn.gowrap1", "/src/main.go", 15}}, g7.Frames)
	assert.Equal(t, "main.spawn", g7.CreatedBy)
	assert.Equal(t, TracebackFrame{"main.spawn", "/src/main.go", 15}, g7.CreatedAt)
	assert.Equal(t, int64(5), g7.ParentID)
	require.Len(t, g7.Ancestors, 1)
	assert.Equal(t, TracebackAncestor{ID: 5, Frames: []TracebackFrame{{"main.spawn", "/src/main.go", 15}},
		CreatedBy: "main.main", CreatedAt: TracebackFrame{"main.main", "/src/main.go", 9}}, g7.Ancestors[0])

	g8 := gs[8]
	assert.True(t, g8.StackUnavailable)
	assert.Empty(t, g8.Frames)
	assert.Equal(t, "net/http.(*Server).Serve", g8.CreatedBy)
	assert.Equal(t, int64(6), g8.ParentID)

	g9 := gs[9]
	assert.Equal(t, "select (no cases)", g9.State)
	assert.Equal(t, 12, g9.Minutes)
	assert.True(t, g9.Locked)
	assert.Equal(t, map[string]string{"a": `x"y`, "role": "w]:"}, g9.Labels)
	assert.Equal(t, []TracebackFrame{{"main.deep[...]", "/src/main.go", 30}}, g9.Frames)
	assert.True(t, g9.Elided)
	assert.Equal(t, "time.goFunc", g9.CreatedBy)
	assert.Zero(t, g9.ParentID)

	_, err = ParseTraceback([]byte("goroutine 1 [running]:\nmain.main()\n\t/src/main.go:x\n"))
	assert.ErrorContains(t, err, "line 3")
	_, err = ParseTraceback([]byte("goroutine 1 [running]:\nmain.main()\n\ngoroutine 2 [running]:\n"))
	assert.ErrorContains(t, err, "no location line")
	_, err = ParseTraceback([]byte("goroutine 1 [running]:\n\ngoroutine 1 [running]:\n"))
	assert.ErrorContains(t, err, "appears twice")
	_, err = ParseTraceback([]byte("goroutine x [running]:\n"))
	assert.ErrorContains(t, err, "malformed goroutine header")
}

// checkZoo asserts the properties of the zoo target (run with -n n) that a
// crash traceback shows.
func checkZoo(t *testing.T, gs map[int64]TracebackGoroutine, n int) {
	t.Helper()

	// The creation tree: main -> level1 -> level2 -> level3.
	var level3 []TracebackGoroutine
	for _, g := range gs {
		if hasFrame(g, "main.level3") {
			level3 = append(level3, g)
		}
	}
	require.Len(t, level3, 2*2*n, "main.level3 workers")
	level2s := map[int64]int{}
	for _, g := range level3 {
		assert.Equal(t, "chan receive", g.State, "level3 goroutine %d", g.ID)
		assert.Equal(t, "main.level2", g.CreatedBy, "level3 goroutine %d", g.ID)
		p, ok := gs[g.ParentID]
		require.True(t, ok, "parent %d of level3 goroutine %d must be alive", g.ParentID, g.ID)
		assert.Equal(t, "main.level1", p.CreatedBy, "parent %d of level3 goroutine %d", p.ID, g.ID)
		assert.True(t, hasFrame(p, "main.level2"), "parent %d runs main.level2", p.ID)
		assert.Equal(t, "sync.WaitGroup.Wait", p.State)
		level2s[p.ID]++

		gp, ok := gs[p.ParentID]
		require.True(t, ok, "grandparent of level3 goroutine %d", g.ID)
		assert.True(t, hasFrame(gp, "main.level1"))
		assert.Equal(t, "main.main", gp.CreatedBy)
		assert.Equal(t, int64(1), gp.ParentID)
	}
	assert.Len(t, level2s, 4, "distinct level2 parents")
	for id, c := range level2s {
		assert.Equal(t, n, c, "children of level2 goroutine %d", id)
	}

	// One goroutine per blocking kind, identified by its function.
	want := map[string]struct {
		state string
		count int
	}{
		"main.level1":          {"chan receive", 2},
		"main.level2":          {"sync.WaitGroup.Wait", 4},
		"main.labelledWorker":  {"chan receive", 3},
		"main.chanSender":      {"chan send", 1},
		"main.chanReceiver":    {"chan receive", 1},
		"main.nilChanReceiver": {"chan receive (nil chan)", 1},
		"main.selecter":        {"select", 1},
		"main.mutexWaiter":     {"sync.Mutex.Lock", 1},
		"main.condWaiter":      {"sync.Cond.Wait", 1},
		"main.sleeper":         {"sleep", 1},
		"main.wgWaiter":        {"sync.WaitGroup.Wait", 1},
		"main.pipeReader":      {"IO wait", 1},
		"main.tcpAcceptor":     {"chan receive", 1},
		"main.tcpServerConn":   {"IO wait", 1},
		"main.connReader":      {"IO wait", 1},
		"main.orphan":          {"chan receive", 2},
		"main.timerCallback":   {"chan receive", 1},
		"main.slowHandler":     {"chan receive", 2},
		"main.httpClient":      {"select", 2},
	}
	got := map[string]int{}
	for _, g := range gs {
		fn := firstMainFrame(g)
		w, ok := want[fn]
		if !ok {
			continue
		}
		got[fn]++
		assert.Equal(t, w.state, g.State, "goroutine %d in %s", g.ID, fn)
		switch fn {
		case "main.orphan":
			assert.Equal(t, "main.orphanSpawner", g.CreatedBy)
			assert.NotZero(t, g.ParentID)
			_, alive := gs[g.ParentID]
			assert.False(t, alive, "the creator of orphan %d has exited", g.ID)
		case "main.timerCallback":
			assert.Equal(t, "time.goFunc", g.CreatedBy)
			assert.Zero(t, g.ParentID)
		case "main.labelledWorker":
			assert.Equal(t, "labelled", g.Labels["role"], "goroutine %d labels", g.ID)
			assert.Contains(t, []string{"0", "1", "2"}, g.Labels["worker"])
		}
	}
	for fn, w := range want {
		assert.Equal(t, w.count, got[fn], "goroutines running %s", fn)
	}
	assert.Equal(t, "select (no cases)", gs[1].State)
	assert.True(t, hasFrame(gs[1], "main.main"))

	// Every blocking kind is present.
	states := map[string]bool{}
	for _, g := range gs {
		states[g.State] = true
	}
	for _, s := range []string{"chan receive", "chan send", "chan receive (nil chan)", "select", "select (no cases)",
		"sync.Mutex.Lock", "sync.Cond.Wait", "sleep", "IO wait", "sync.WaitGroup.Wait"} {
		assert.True(t, states[s], "some goroutine is in state %q", s)
	}
}

// firstMainFrame returns the innermost frame function of package main, or "".
func firstMainFrame(g TracebackGoroutine) string {
	for _, fr := range g.Frames {
		if strings.HasPrefix(fr.Function, "main.") {
			return strings.TrimSuffix(fr.Function, ".func1")
		}
	}
	return ""
}

func hasFrame(g TracebackGoroutine, fn string) bool {
	for _, fr := range g.Frames {
		if fr.Function == fn {
			return true
		}
	}
	return false
}

func logStateSummary(t *testing.T, gs map[int64]TracebackGoroutine) {
	t.Helper()
	count := map[string]int{}
	for _, g := range gs {
		fn := firstMainFrame(g)
		if fn == "" && len(g.Frames) > 0 {
			fn = g.Frames[len(g.Frames)-1].Function
		}
		count[fmt.Sprintf("%-28s %s", "["+g.State+"]", fn)]++
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%4d %s\n", count[k], k)
	}
	t.Logf("%d goroutines by state and function:\n%s", len(gs), b.String())
}

// TestReadyMeansMainParked: once StartTarget (here through CrashCore) has
// returned, the target's main goroutine is back from writing READY and
// parked — as the runtime's own traceback says, every time. Without the wait
// for a quiet target, about one crash in four caught main in its write
// system call.
func TestReadyMeansMainParked(t *testing.T) {
	exe := BuildTarget(t, "zoo")
	for i := 0; i < 10; i++ {
		_, tb := CrashCore(t, exe, []string{"-n", "1"}, nil)
		gs, err := ParseTraceback(tb)
		require.NoError(t, err)
		main, ok := gs[1]
		require.True(t, ok, "crash %d: no goroutine 1 in the traceback", i)
		require.Equal(t, "select (no cases)", main.State, "crash %d", i)
	}
}

// waitQuiet tells a sleeping process from a spinning one.
func TestWaitQuiet(t *testing.T) {
	sleeper := exec.Command("sleep", "30")
	require.NoError(t, sleeper.Start())
	defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()
	assert.True(t, waitQuiet(sleeper.Process.Pid, 10*time.Second), "a sleeping process is quiet")

	spinner := exec.Command("/bin/sh", "-c", "while :; do :; done")
	require.NoError(t, spinner.Start())
	defer func() { _ = spinner.Process.Kill(); _ = spinner.Wait() }()
	start := time.Now()
	assert.False(t, waitQuiet(spinner.Process.Pid, 200*time.Millisecond), "a spinning process never is")
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "it is waited for up to the bound")

	assert.False(t, waitQuiet(1<<30, time.Second), "an unreadable process is not quiet")
}

func TestParseTracebackGo127LabelsAndThreadDumps(t *testing.T) {
	text := "goroutine 41 gp=0x1 m=nil [chan receive] {id: xx.y/z_1, \"a b\": \"c\\\"}d\", empty: , k: \"\\x01\"}:\n" +
		"main.labelled(...)\n\t/src/main.go:135\n\n" +
		"goroutine 20 gp=0x2 m=7 mp=0x3 [syscall]:\nmain.inC()\n\t/src/main.go:60 +0x1\n\n" +
		"-----\n\nSIGQUIT: quit\n\n" +
		"goroutine 20 gp=0x2 m=7 mp=0x3 [syscall]:\nmain.inC()\n\t/src/main.go:60 +0x1\n\n"
	gs, err := ParseTraceback([]byte(text))
	require.NoError(t, err)
	require.Len(t, gs, 2)
	require.Equal(t, "chan receive", gs[41].State)
	require.Equal(t, map[string]string{"id": "xx.y/z_1", "a b": `c"}d`, "empty": "", "k": "\x01"}, gs[41].Labels)
	require.Equal(t, "syscall", gs[20].State)

	// Before the thread dumps, a repeated goroutine is an error.
	_, err = ParseTraceback([]byte("goroutine 3 [sleep]:\nmain.f()\n\t/a.go:1\n\ngoroutine 3 [sleep]:\nmain.f()\n\t/a.go:1\n"))
	require.ErrorContains(t, err, "appears twice")
}
