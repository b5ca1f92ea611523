package dumptext

import (
	"bytes"
	"context"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Go 1.25+: a recovered panic panicked again with the same value.
func TestRepanickedGo125(t *testing.T) {
	d := parseFile(t, "go125_repanicked.txt").Dumps[0]
	require.Equal(t, []Panic{{Value: "first", Recovered: true, Repanicked: true}}, d.Panics)
	require.Equal(t, []string{"main.main.func1", "runtime.gopanic", "main.main"}, funcs(d.Goroutine(1).Frames))
	require.Empty(t, d.Notes, "\"exit status 2\" after the dump is not a note")
}

// A throw prints gp= m= mp= on the throwing goroutine's header even without
// GOTRACEBACK=system, and on every header once it is set.
func TestFatalErrorGo124(t *testing.T) {
	d := parseFile(t, "go124_fatal.txt").Dumps[0]
	require.Equal(t, []string{"fatal error: concurrent map writes"}, d.Preamble)
	require.Equal(t, []int64{7, 1, 8}, ids(d))
	g := d.Goroutine(7)
	require.Equal(t, model.StatusRunning, g.Status)
	require.Equal(t, "3", g.M)
	require.Equal(t, "main.writer", g.Start().Function)
	require.Equal(t, model.StatusRunnable, d.Goroutine(8).Status)
	snap := d.Snapshot(model.Target{})
	require.Equal(t, "main.writer", snap.Goroutine(7).Location.Function, "internal/runtime is not user code")
}

// Go ≤ 1.20: "created by F" without "in goroutine P", "...additional
// frames elided..." in a goroutine's own stack, a signal line.
func TestOlderFormat(t *testing.T) {
	d := parseFile(t, "go120_old.txt").Dumps[0]
	require.Equal(t, "runtime error: invalid memory address or nil pointer dereference", d.Panics[0].Value)
	require.Contains(t, d.Preamble, "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45a2f3]")
	g := d.Goroutine(6)
	require.Zero(t, g.ParentID)
	require.Equal(t, "main.main", g.CreatedBy.Function)
	require.Equal(t, -1, g.Elided, "count unknown")
	require.Equal(t, 2, g.ElidedAt)
	require.True(t, g.Cut())
	require.Equal(t, "semacquire", d.Goroutine(1).WaitReason)

	src := NewSource(d, model.Target{})
	fs, more, err := src.StackCut(6, 0)
	require.NoError(t, err)
	require.True(t, more, "an elided stack goes on")
	require.Contains(t, fs[1].Err, "elided")
}

func TestDeadlock(t *testing.T) {
	d := parseFile(t, "deadlock.txt").Dumps[0]
	require.Equal(t, []string{"fatal error: all goroutines are asleep - deadlock!"}, d.Preamble)
	require.Equal(t, []int64{1}, ids(d))
}

// parked starts n goroutines from one function, each parked on a channel
// receive inside pprof.Do with labels, and returns once all are parked, with
// the function that stops them.
func parked(t *testing.T, n int) (stop func()) {
	t.Helper()
	release := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			pprof.Do(context.Background(), pprof.Labels("role", "parked \"quoted\"", "i", "x"), func(context.Context) {
				started.Done()
				<-release
			})
		}()
	}
	started.Wait()
	// Parked means the runtime says so: wait until each one's section of
	// the runtime's own dump shows the chan receive state.
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		ready := 0
		for _, section := range bytes.Split(buf, []byte("\n\n")) {
			if bytes.Contains(section, []byte("[chan receive")) && bytes.Contains(section, []byte("created by github.com/dlv-tasks/dlv-tasks/dumptext.parked")) {
				ready++
			}
		}
		if ready >= n {
			break
		}
		runtime.Gosched()
	}
	return func() { close(release); done.Wait() }
}

// runtime.Stack(buf, true) output from this very process: the calling
// goroutine first, [running]; the parked goroutines created by this test
// function, with this goroutine as their parent.
func TestRuntimeStackAll(t *testing.T) {
	stop := parked(t, 3)
	defer stop()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	file, err := Parse(bytes.NewReader(buf), Options{})
	require.NoError(t, err)
	require.Len(t, file.Dumps, 1)
	d := file.Dumps[0]
	require.Empty(t, d.Notes)
	me := d.Goroutines[0]
	require.Equal(t, model.StatusRunning, me.Status)
	require.Equal(t, "github.com/dlv-tasks/dlv-tasks/dumptext.TestRuntimeStackAll", me.Frames[0].Function)

	children := 0
	for _, g := range d.Goroutines {
		if g.CreatedBy.Function == "github.com/dlv-tasks/dlv-tasks/dumptext.parked" {
			children++
			require.Equal(t, me.ID, g.ParentID, "goroutine %d's parent is the test's goroutine", g.ID)
			require.Equal(t, "chan receive", g.WaitReason)
		}
	}
	require.Equal(t, 3, children)
}

// The debug=2 goroutine profile, with Go 1.26 labels switched on.
func TestPprofDebug2WithLabels(t *testing.T) {
	t.Setenv("GODEBUG", "tracebacklabels=1")
	stop := parked(t, 2)
	defer stop()
	var b bytes.Buffer
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&b, 2))
	file, err := Parse(&b, Options{})
	require.NoError(t, err)
	d := file.Dumps[0]
	labelled := 0
	for _, g := range d.Goroutines {
		if strings.HasSuffix(g.CreatedBy.Function, "dumptext.parked") {
			require.Equal(t, map[string]string{"role": `parked "quoted"`, "i": "x"}, g.Labels)
			labelled++
		}
	}
	require.Equal(t, 2, labelled)
}

// Go 1.27 prints labels after the brackets, bare where they need no
// quoting: real output of a go1.27.3 program's debug=2 profile, with
// GODEBUG=tracebacklabels=1, labels empty, bare and quoted, and a generic
// method of a generic type.
func TestLabelsGo127(t *testing.T) {
	d := parseFile(t, "go127_labels.txt").Dumps[0]
	require.Empty(t, d.Notes)
	require.Equal(t, []int64{1, 19, 20}, ids(d))
	g := d.Goroutine(19)
	require.Equal(t, "select (no cases)", g.WaitReason)
	require.Equal(t, map[string]string{"empty": "", "needs quote": `a "b"`, "plain": "v1"}, g.Labels)
	require.EqualValues(t, 1, g.ParentID)
	require.Equal(t, "main.(*Box[...]).Wait", d.Goroutine(20).Frames[0].Function)
	require.Nil(t, d.Goroutine(20).Labels)

	for _, h := range []string{
		`goroutine 5 [sleep, 3 minutes, locked to thread] {a/b: x.y_z, "": "]:"}:`,
		`goroutine 5 [sleep, 3 minutes, locked to thread] {a/b: x.y_z, "": "]:"}:  `,
	} {
		file, err := Parse(strings.NewReader(h+"\nmain.f()\n\t/a.go:1 +0x1\n"), Options{})
		require.NoError(t, err)
		g := file.Dumps[0].Goroutine(5)
		require.Empty(t, file.Dumps[0].Notes)
		require.Equal(t, map[string]string{"a/b": "x.y_z", "": "]:"}, g.Labels)
		require.Equal(t, 3, g.WaitMinutes)
		require.True(t, g.Locked)
	}
}
