package dumptext

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func parseFile(t *testing.T, name string) *File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	file, err := Parse(f, Options{})
	require.NoError(t, err)
	return file
}

func ids(d *Dump) []int64 {
	var out []int64
	for _, g := range d.Goroutines {
		out = append(out, g.ID)
	}
	return out
}

func funcs(fs []model.Frame) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Function)
	}
	return out
}

// Go 1.21+ panic output with GOTRACEBACK=single/all: a recovered panic that
// panicked again, "created by F in goroutine P", wait minutes, locked to
// thread, inlined frames and generic functions.
func TestPanicGo121(t *testing.T) {
	file := parseFile(t, "go121_panic.txt")
	require.Len(t, file.Dumps, 1)
	d := file.Dumps[0]
	require.Equal(t, []Panic{{Value: "boom", Recovered: true}, {Value: "again"}}, d.Panics)
	require.Equal(t, []int64{18, 1, 17}, ids(d))
	require.Empty(t, d.Notes)
	require.Equal(t, 1, d.FirstLine)
	require.Equal(t, 24, d.LastLine, "the last traceback line, not \"exit status 2\"")

	g := d.Goroutine(18)
	require.Equal(t, model.StatusRunning, g.Status)
	require.Equal(t, []string{"main.worker.func1", "runtime.gopanic", "main.worker"}, funcs(g.Frames))
	require.Equal(t, model.Location{Function: "main.main", File: "/home/u/app/main.go", Line: 33}, g.CreatedBy)
	require.EqualValues(t, 1, g.ParentID)
	require.Equal(t, "main.worker", g.Start().Function, "bottom frame without runtime.goexit (GOTRACEBACK=all)")

	g = d.Goroutine(1)
	require.Equal(t, model.StatusWaiting, g.Status)
	require.Equal(t, "chan receive", g.WaitReason)
	require.Equal(t, 3, g.WaitMinutes)
	require.Zero(t, g.ParentID)
	require.True(t, g.CreatedBy.IsZero())

	g = d.Goroutine(17)
	require.Equal(t, "select", g.WaitReason)
	require.Equal(t, 12, g.WaitMinutes)
	require.True(t, g.Locked)
	require.Equal(t, []string{"main.(*Server).loop", "main.F[...]"}, funcs(g.Frames))
	require.Equal(t, 7, g.Frames[1].Line)

	snap := d.Snapshot(model.Target{Kind: model.KindDump})
	require.Equal(t, []int64{1, 17, 18}, []int64{snap.Goroutines[0].ID, snap.Goroutines[1].ID, snap.Goroutines[2].ID})
	require.Equal(t, 12*time.Minute, snap.Goroutine(17).Waited)
	require.Equal(t, "main.worker.func1", snap.Goroutine(18).Location.Function)
}

// GOTRACEBACK=crash (Go 1.23+ "gp= m= mp=" headers, fp/sp/pc on location
// lines, runtime frames, goroutine 0 g0 stacks, register dumps) and the
// later thread dumps that fill in a goroutine first printed as "running on
// other thread".
func TestCrashGo123(t *testing.T) {
	file := parseFile(t, "go123_crash.txt")
	require.Len(t, file.Dumps, 1, "the other threads' output is part of the same crash")
	d := file.Dumps[0]
	require.Equal(t, []int64{1, 7, 8}, ids(d), "goroutine 0 is not a goroutine")
	require.Equal(t, []string{"SIGQUIT: quit", "PC=0x46d9a1 m=0 sigcode=0"}, d.Preamble)

	g := d.Goroutine(1)
	require.Equal(t, "chan receive (nil chan)", g.WaitReason)
	require.Equal(t, "nil", g.M)
	require.Equal(t, "runtime.main", g.Start().Function)
	require.Equal(t, 12, g.Frames[2].Line)

	g = d.Goroutine(7)
	require.False(t, g.StackUnavailable, "filled in by its thread's dump")
	require.Equal(t, []string{"main.spin", "main.main.gowrap1", "runtime.goexit"}, funcs(g.Frames))
	require.Equal(t, "main.spin", g.Start().Function)
	require.EqualValues(t, 1, g.ParentID)
	require.Equal(t, "3", g.M)

	g = d.Goroutine(8)
	require.Equal(t, "main.sleeper", g.Start().Function, "the inlined function the go wrapper calls")
	snap := d.Snapshot(model.Target{})
	require.Equal(t, "time.Sleep", snap.Goroutine(8).Location.Function)
	require.Equal(t, "runtime.gopark", snap.Goroutine(8).CurrentLocation.Function)
}

// Go 1.26 labels (GODEBUG=tracebacklabels=1) quoted by runtime.printquoted,
// "(leaked)" goroutines, "...N frames elided...", synctest bubbles.
func TestLabelsAndElisionGo126(t *testing.T) {
	d := parseFile(t, "go126_labels.txt").Dumps[0]
	require.Empty(t, d.Notes)
	g := d.Goroutine(21)
	require.Equal(t, map[string]string{"request": `GET /a"b"`, "tenant": "tést\n"}, g.Labels)
	require.Equal(t, "chan receive", g.WaitReason)

	g = d.Goroutine(22)
	require.Equal(t, model.StatusLeaked, g.Status)
	require.Equal(t, "sync.WaitGroup.Wait", g.WaitReason)
	require.Equal(t, 4, g.WaitMinutes)
	require.Equal(t, map[string]string{"k": "v"}, g.Labels)
	require.Equal(t, 2, g.ElidedAt)
	require.Equal(t, 12, g.Elided)
	require.True(t, g.Cut())
	require.Len(t, g.Frames, 3)

	g = d.Goroutine(23)
	require.Equal(t, "select", g.WaitReason)
	require.Equal(t, 2, g.WaitMinutes)
	require.Nil(t, g.Labels)
}

// GODEBUG=tracebackancestors=N sections.
func TestAncestors(t *testing.T) {
	g := parseFile(t, "ancestors.txt").Dumps[0].Goroutine(9)
	require.Len(t, g.Ancestors, 2)
	require.EqualValues(t, 8, g.Ancestors[0].ID)
	require.Equal(t, []string{"main.mid"}, funcs(g.Ancestors[0].Frames))
	require.Equal(t, "main.top", g.Ancestors[0].CreatedBy.Function)
	require.Equal(t, 12, g.Ancestors[0].CreatedBy.Line)
	require.EqualValues(t, 1, g.Ancestors[1].ID)
	require.Equal(t, []string{"main.top", "main.main"}, funcs(g.Ancestors[1].Frames))
	require.True(t, g.Ancestors[1].Elided)
	require.Equal(t, []string{"main.leaf"}, funcs(g.Frames), "ancestor frames are not the goroutine's")
	require.EqualValues(t, 8, g.ParentID)
}

// A dump in a log: a prefix with changing timestamps stripped, another
// pod's line in the middle skipped.
func TestLogPrefix(t *testing.T) {
	file := parseFile(t, "log_prefixed.txt")
	require.Len(t, file.Dumps, 1)
	d := file.Dumps[0]
	require.Equal(t, []int64{5, 1}, ids(d))
	g := d.Goroutine(5)
	require.Equal(t, "IO wait", g.WaitReason)
	require.Equal(t, 7, g.WaitMinutes)
	require.Equal(t, []string{"internal/poll.runtime_pollWait", "net.(*netFD).Accept"}, funcs(g.Frames))
	require.Equal(t, "/usr/local/go/src/net/fd_unix.go", g.Frames[1].File)
	require.Equal(t, "main.main", g.CreatedBy.Function)
	require.Equal(t, []string{"main.main"}, funcs(d.Goroutine(1).Frames))
}

// Two runtime.Stack(all) outputs in one log: a goroutine printed again with
// a stack starts the next dump.
func TestSeveralDumps(t *testing.T) {
	file := parseFile(t, "two_stacks.txt")
	require.Len(t, file.Dumps, 2)
	require.Equal(t, []int64{1, 6}, ids(file.Dumps[0]))
	require.Equal(t, []int64{1, 6, 7}, ids(file.Dumps[1]))
	require.Equal(t, 1, file.Dumps[1].Goroutine(6).WaitMinutes)
	require.Equal(t, 12, file.Dumps[1].Goroutine(1).Frames[0].Line)
}

// Malformed lines are notes with their line numbers; the rest is used.
func TestMalformed(t *testing.T) {
	d := parseFile(t, "malformed.txt").Dumps[0]
	require.Equal(t, []int64{3, 4, 5, 6}, ids(d))
	require.Equal(t, []string{"main.b"}, funcs(d.Goroutine(3).Frames))
	require.Equal(t, "main.main", d.Goroutine(3).CreatedBy.Function)
	require.Equal(t, "select", d.Goroutine(4).WaitReason)
	require.Equal(t, []string{"main.c"}, funcs(d.Goroutine(4).Frames))
	require.Nil(t, d.Goroutine(5).Labels)
	require.Equal(t, []string{"main.d"}, funcs(d.Goroutine(5).Frames))
	var text []string
	for _, n := range d.Notes {
		text = append(text, n.Text)
		require.NotZero(t, n.Line, "note %q has a line number", n.Text)
	}
	joined := strings.Join(text, "\n")
	require.Contains(t, joined, "malformed location line")
	require.Contains(t, joined, `header part "forever" not understood`)
	require.Contains(t, joined, "goroutine 5: labels not read")
	require.Contains(t, joined, "frame main.e has no location line")
	require.Equal(t, 3, d.Notes[0].Line, "the malformed location line is line 3")
}

func TestNoDump(t *testing.T) {
	_, err := Parse(strings.NewReader("hello\nworld\n"), Options{})
	require.ErrorIs(t, err, ErrNoDump)
}

// Limits: long lines, goroutines and frames beyond the caps are cut with a
// note, never kept.
func TestLimits(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 5; i++ {
		b.WriteString("goroutine " + strconv.Itoa(i) + " [select]:\n")
		for j := 0; j < 10; j++ {
			b.WriteString("main.f()\n\t/a.go:1 +0x1\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("goroutine 9 [sleep]:\nmain." + strings.Repeat("x", 5000) + "()\n\t/a.go:1\n")
	file, err := Parse(strings.NewReader(b.String()), Options{MaxGoroutines: 3, MaxFrames: 4, MaxLineBytes: 1000})
	require.NoError(t, err)
	d := file.Dumps[0]
	require.Equal(t, []int64{1, 2, 3}, ids(d))
	require.Len(t, d.Goroutines[0].Frames, 4)
	require.True(t, d.Goroutines[0].Truncated)
	require.Empty(t, d.Goroutines[0].Start().Function, "no start from a stack cut at its bottom")
	joined := ""
	for _, n := range d.Notes {
		joined += n.Text + "\n"
	}
	require.Contains(t, joined, "more than 3 goroutines")
	require.Contains(t, joined, "more than 4 frames")
	require.Contains(t, joined, "longer than 1000 bytes")
}
