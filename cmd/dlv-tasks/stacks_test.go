package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dumptext"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/terminal"
)

// A dump source is a terminal session.
var _ terminal.Session = (*dumptext.Source)(nil)

// whereJSON is the part of `where -json` the differential test compares.
type whereJSON struct {
	Goroutine model.Goroutine  `json:"goroutine"`
	Stack     []model.Frame    `json:"stack"`
	StackCut  bool             `json:"stack_cut"`
	Ancestors []model.Ancestor `json:"ancestors"`
}

// decodeAll decodes consecutive JSON documents.
func decodeAll[T any](t *testing.T, text string) []T {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	var out []T
	for {
		var v T
		err := dec.Decode(&v)
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, v)
	}
}

// readSide runs `ps -json` and `where ID -json` for every goroutine, through
// the dlv-tasks binary, with the session arguments given.
func readSide(t *testing.T, depth int, session ...string) (map[int64]model.Goroutine, map[int64]whereJSON, jsonShape) {
	t.Helper()
	r := run(t, "", nil, append(session, "-c", "ps -json")...)
	require.Equalf(t, 0, r.code, "%v ps: %s", session, r.stderr)
	var gs []model.Goroutine
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &gs))
	psOut := r.stdout
	byID := map[int64]model.Goroutine{}
	args := append([]string{}, session...)
	for _, g := range gs {
		byID[g.ID] = g
		if g.Unreadable == "" {
			args = append(args, "-c", fmt.Sprintf("where -depth %d -json %d", depth, g.ID))
		}
	}
	r = run(t, "", nil, args...)
	require.Equalf(t, 0, r.code, "%v where: %s", session, r.stderr)
	wheres := map[int64]whereJSON{}
	for _, w := range decodeAll[whereJSON](t, r.stdout) {
		wheres[w.Goroutine.ID] = w
	}
	shape := jsonShape{}
	for _, doc := range decodeAll[any](t, psOut) {
		collectShape(shape, "ps", doc)
	}
	for _, doc := range decodeAll[any](t, r.stdout) {
		collectShape(shape, "where", doc)
	}
	return byID, wheres, shape
}

// jsonShape is the set of key paths (with their JSON types) of documents.
type jsonShape map[string]bool

func collectShape(s jsonShape, path string, v any) {
	switch v := v.(type) {
	case map[string]any:
		s[path+":object"] = true
		for k, e := range v {
			if path == "ps" || strings.HasSuffix(path, ".labels") {
				k = "*" // label keys are data
			}
			collectShape(s, path+"."+k, e)
		}
	case []any:
		s[path+":array"] = true
		for _, e := range v {
			collectShape(s, path+"[]", e)
		}
	case nil:
		// null: the type of an empty value, not a shape
	default:
		s[fmt.Sprintf("%s:%T", path, v)] = true
	}
}

// genericName writes a generic function's type arguments as the runtime's
// traceback does ("F[...]"), Delve naming them ("F[go.shape.int]").
func genericName(fn string) string {
	i := strings.IndexByte(fn, '[')
	if i < 0 {
		return fn
	}
	depth := 0
	for j := i; j < len(fn); j++ {
		switch fn[j] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return fn[:i] + "[...]" + genericName(fn[j+1:])
			}
		}
	}
	return fn
}

func sameLoc(a, b model.Location) bool {
	return genericName(a.Function) == genericName(b.Function) && a.File == b.File && a.Line == b.Line
}

// sameTop compares innermost frames. Delve places a parked goroutine's
// innermost frame at its saved pc (the return address of gopark's call to
// mcall), the runtime's traceback at the call itself (pc-1), as for every
// outer frame: the line the runtime prints can be the line before Delve's.
func sameTop(core, text model.Location) bool {
	if sameLoc(core, text) {
		return true
	}
	return genericName(core.Function) == genericName(text.Function) && core.File == text.File &&
		core.Line > text.Line && core.Line-text.Line <= 2
}

// inlinedInto accepts Delve's location of a goroutine whose topmost user
// code is inlined. Delve looks for user code among physical frames only and
// names the physical frame's function at its innermost inlined line (so
// main.mutexWaiter at internal/sync/mutex.go:70, with sync.(*Mutex).Lock
// and internal/sync.(*Mutex).Lock inlined into it); the text gives every
// inlined frame, and the location is its topmost user frame. Accepted: the
// core's function is a frame of the text's stack at or below the text's
// location, and the core's line is a frame's above it.
func inlinedInto(core, text model.Location, stack []model.Frame) bool {
	lineAbove, textAbove := false, false
	for _, f := range stack {
		if f.File == core.File && f.Line == core.Line {
			lineAbove = true
		}
		if f.Location == text {
			textAbove = true
		}
		if f.Function == core.Function {
			return lineAbove && textAbove
		}
	}
	return false
}

func frameList(fs []model.Frame) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n\t%s %s:%d", f.Function, f.File, f.Line)
	}
	return b.String()
}

// differential crashes target, reads the traceback text with `stacks` and
// the kernel core of the same crash with `core`, and requires them to agree
// on every field both carry, for every goroutine. It returns how many
// goroutines had a parent, labels, ancestors and elided stacks.
func differential(t *testing.T, target string, args, env []string) (counts map[string]int) {
	t.Helper()
	exe := testutil.BuildTarget(t, target)
	core, text := testutil.CrashCore(t, exe, args, env)
	txt := filepath.Join(t.TempDir(), "crash.txt")
	require.NoError(t, os.WriteFile(txt, text, 0o644))

	const depth = 256
	coreGs, coreWhere, coreShape := readSide(t, depth, "core", exe, core)
	dumpGs, dumpWhere, dumpShape := readSide(t, depth, "stacks", txt)
	// --json: the same key paths with the same types, except where the
	// core knows more: PCs (omitted when zero), an exited parent's start.
	for k := range dumpShape {
		// A frame's err (omitempty) marks where the runtime elided frames;
		// the core sets it where Delve cannot unwind.
		frameErr := strings.HasSuffix(k, "[].err:string")
		require.Truef(t, coreShape[k] || frameErr, "--json key %s from the text is not in the core's documents", k)
	}
	for k := range coreShape {
		pcOnly := strings.HasSuffix(k, ".pc:float64") // omitempty: a dump has no PCs
		exitedStart := strings.Contains(k, ".parent_exited_start.")
		require.Truef(t, dumpShape[k] || pcOnly || exitedStart, "--json key %s of the core is not in the text's documents", k)
	}

	ids := func(m map[int64]model.Goroutine) []int64 {
		var out []int64
		for id := range m {
			out = append(out, id)
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out
	}
	require.Equal(t, ids(coreGs), ids(dumpGs), "goroutine ids: core vs traceback text")

	counts = map[string]int{}
	for id, c := range coreGs {
		d := dumpGs[id]
		require.Equalf(t, c.ParentID, d.ParentID, "goroutine %d parent", id)
		require.Truef(t, sameLoc(c.GoStatement, d.GoStatement), "goroutine %d go statement: core %v, text %v", id, c.GoStatement, d.GoStatement)
		require.Equalf(t, c.Status, d.Status, "goroutine %d status", id)
		require.Equalf(t, c.WaitReason, d.WaitReason, "goroutine %d wait reason", id)
		require.Equalf(t, c.Labels, d.Labels, "goroutine %d labels", id)
		require.Equalf(t, genericName(c.Start.Function), d.Start.Function, "goroutine %d start function", id)
		require.Equalf(t, c.System, d.System, "goroutine %d system", id)
		// The text's minutes are whole minutes of the same waitsince, at
		// a moment just before the core was written.
		cm, dm := int64(c.Waited/time.Minute), int64(d.Waited/time.Minute)
		require.Truef(t, cm == dm || cm == dm+1, "goroutine %d waited: core %v, text %d minutes", id, c.Waited, dm)
		if d.Unreadable != "" {
			continue // running on another thread: no stack printed
		}
		require.Truef(t, sameTop(c.CurrentLocation, d.CurrentLocation), "goroutine %d current location: core %v, text %v", id, c.CurrentLocation, d.CurrentLocation)
		require.Truef(t, sameLoc(c.Location, d.Location) || c.Location == c.CurrentLocation && sameTop(c.Location, d.Location) ||
			inlinedInto(c.Location, d.Location, dumpWhere[id].Stack), "goroutine %d location: core %v, text %v", id, c.Location, d.Location)

		cw, dw := coreWhere[id], dumpWhere[id]
		dumpFrames := dw.Stack
		elided := false
		for i, f := range dumpFrames {
			if f.Err != "" {
				// The runtime elided frames below this one: compare the
				// frames above, and the outer frames from the bottom.
				elided = true
				top, bottom := dumpFrames[:i+1], dumpFrames[i+1:]
				require.Truef(t, len(cw.Stack) >= len(dumpFrames), "goroutine %d: core stack shorter than the text's", id)
				compareFrames(t, id, true, cw.Stack[:len(top)], top)
				if !cw.StackCut {
					compareFrames(t, id, false, cw.Stack[len(cw.Stack)-len(bottom):], bottom)
				}
				break
			}
		}
		if elided {
			counts["elided"]++
			require.Truef(t, dw.StackCut, "goroutine %d: an elided stack is cut", id)
		} else {
			compareFrames(t, id, true, cw.Stack, dumpFrames)
			require.Equalf(t, cw.StackCut, dw.StackCut, "goroutine %d stack cut", id)
		}
		require.Equalf(t, len(cw.Ancestors), len(dw.Ancestors), "goroutine %d ancestors", id)
		for i := range cw.Ancestors {
			require.Equalf(t, cw.Ancestors[i].ID, dw.Ancestors[i].ID, "goroutine %d ancestor %d", id, i)
			compareAncestorFrames(t, id, cw.Ancestors[i].Stack, dw.Ancestors[i].Stack)
		}
		if c.ParentID != 0 {
			counts["parents"]++
		}
		if len(c.Labels) > 0 {
			counts["labels"]++
		}
		if len(cw.Ancestors) > 0 {
			counts["ancestors"]++
		}
		if !c.System && c.Start.Function != "" {
			counts["starts"]++
		}
	}
	return counts
}

// compareAncestorFrames compares an ancestor's stacks: the same number of
// frames, the same innermost frame (the go statement's runtime.newproc
// path) and the same outermost function. The frames between are not
// compared line by line: the runtime prints an ancestor's recorded pcs as
// they are, return addresses (runtime.printAncestorTraceback), Delve backs
// each up to its call, and a return address can fall on another line or in
// another inlining tree than its call.
func compareAncestorFrames(t *testing.T, id int64, core, text []model.Frame) {
	t.Helper()
	ok := len(core) == len(text) && len(core) > 0 && sameLoc(core[0].Location, text[0].Location) &&
		core[len(core)-1].Function == text[len(text)-1].Function
	require.Truef(t, ok, "goroutine %d ancestor stack:\ncore:%s\ntext:%s", id, frameList(core), frameList(text))
}

// compareFrames compares two stacks frame by frame; innermost says core[0]
// is the goroutine's innermost frame.
func compareFrames(t *testing.T, id int64, innermost bool, core, text []model.Frame) {
	t.Helper()
	ok := len(core) == len(text)
	for i := 0; ok && i < len(core); i++ {
		if i == 0 && innermost {
			ok = sameTop(core[i].Location, text[i].Location)
		} else {
			ok = sameLoc(core[i].Location, text[i].Location)
		}
	}
	require.Truef(t, ok, "goroutine %d stack:\ncore:%s\ntext:%s", id, frameList(core), frameList(text))
}

func TestStacksAgreesWithCoreZoo(t *testing.T) {
	counts := differential(t, "zoo", []string{"-n", "6"}, []string{"GODEBUG=tracebackancestors=10"})
	t.Logf("compared: %v", counts)
	require.Greater(t, counts["parents"], 10)
	require.Greater(t, counts["labels"], 0)
	require.Greater(t, counts["ancestors"], 10)
}

func TestStacksAgreesWithCoreDeepstack(t *testing.T) {
	counts := differential(t, "deepstack", []string{"-depth", "200"}, nil)
	t.Logf("compared: %v", counts)
	require.Greater(t, counts["elided"], 0, "the deep goroutine's traceback elides frames")
}

func TestStacksAgreesWithCoreMany(t *testing.T) {
	counts := differential(t, "many", []string{"-n", "300"}, nil)
	t.Logf("compared: %v", counts)
	require.Greater(t, counts["labels"], 50)
	require.Greater(t, counts["parents"], 300)
}

// TestStacksNeedsNoProcess: commands that need a process say so in one line.
func TestStacksNeedsNoProcess(t *testing.T) {
	fixture := filepath.Join(testutil.RepoRoot(t), "dumptext", "testdata", "go121_panic.txt")
	for _, c := range []string{"continue", "next", "break main.main", "print x", "dump /tmp/x", "break-cancel 18", "cancel -y 18"} {
		r := run(t, "", nil, "stacks", fixture, "-c", c)
		require.NotEqualf(t, 0, r.code, "%s", c)
		require.Containsf(t, r.stderr, model.ErrDumpNotLive.Error(), "%s", c)
		require.Equalf(t, 1, strings.Count(strings.TrimSpace(r.stderr), "\n")+1-strings.Count(r.stderr, "note:"), "%s: one line: %q", c, r.stderr)
	}
}

// TestStacksIndexAndStdin: several dumps in one text, --index, stdin.
func TestStacksIndexAndStdin(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "dumptext", "testdata", "two_stacks.txt"))
	require.NoError(t, err)
	r := run(t, string(text), nil, "stacks", "-", "-c", "ps -json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, decodeAll[[]model.Goroutine](t, r.stdout)[0], 3, "the last dump by default")
	r = run(t, string(text), nil, "stacks", "-", "--index", "0", "-c", "ps -json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, decodeAll[[]model.Goroutine](t, r.stdout)[0], 2)
	r = run(t, string(text), nil, "stacks", "-", "--index", "2", "-c", "ps")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "holds 2 dump(s)")
}

// TestStacksMalformedNotes: notes name the line.
func TestStacksMalformedNotes(t *testing.T) {
	fixture := filepath.Join(testutil.RepoRoot(t), "dumptext", "testdata", "malformed.txt")
	r := run(t, "", nil, "stacks", fixture, "-c", "ps")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "malformed.txt:3: malformed location line")
	require.Contains(t, r.stdout, "4 goroutines")
}

// TestStacksWhereUnprintedStack: where on a goroutine whose stack the
// runtime did not print says why, and still shows its creation chain.
func TestStacksWhereUnprintedStack(t *testing.T) {
	text := "goroutine 7 gp=0x1 m=3 mp=0x2 [running]:\n\tgoroutine running on other thread; stack unavailable\n" +
		"created by main.main in goroutine 1\n\t/a.go:3 +0x1\n\ngoroutine 1 [select]:\nmain.main()\n\t/a.go:5 +0x1\n"
	r := run(t, text, nil, "stacks", "-", "-c", "where 7")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "running on another thread")
	require.Contains(t, r.stdout, "goroutine 7 created by goroutine 1 at main.main /a.go:3")
}

// TestStacksDiffOfTwoDumps: `stacks A B` keeps the first dump and diffs the
// second against it; the counts per creator agree with the two tracebacks.
func TestStacksDiffOfTwoDumps(t *testing.T) {
	exe := testutil.BuildTarget(t, "many")
	_, before := testutil.CrashCore(t, exe, []string{"-n", "100"}, nil)
	_, after := testutil.CrashCore(t, exe, []string{"-n", "300"}, nil)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "before.txt"), filepath.Join(dir, "after.txt")
	require.NoError(t, os.WriteFile(a, before, 0o644))
	require.NoError(t, os.WriteFile(b, after, 0o644))

	byCreator := func(text []byte) map[string]int {
		gs, err := testutil.ParseTraceback(text)
		require.NoError(t, err)
		n := map[string]int{}
		for _, g := range gs {
			if g.CreatedBy != "" {
				n[fmt.Sprintf("%s:%d", g.CreatedBy, g.CreatedAt.Line)]++
			}
		}
		return n
	}
	was, now := byCreator(before), byCreator(after)

	r := run(t, "", nil, "stacks", a, b, "-c", "snapshots", "-c", "diff --json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "before")
	var doc struct {
		Groups []struct {
			Key    string `json:"key"`
			Before int    `json:"before"`
			After  int    `json:"after"`
		} `json:"groups"`
	}
	jsonStart := strings.Index(r.stdout, "{")
	require.GreaterOrEqual(t, jsonStart, 0, r.stdout)
	require.NoError(t, json.Unmarshal([]byte(r.stdout[jsonStart:]), &doc), r.stdout)
	grew := false
	for _, g := range doc.Groups {
		fn, file, _ := strings.Cut(g.Key, " ")
		colon := strings.LastIndexByte(file, ':')
		if colon < 0 {
			continue // <unknown>: no creator to compare
		}
		fn += file[colon:]
		if w, ok := was[fn]; ok && now[fn] != w {
			require.Equal(t, w, g.Before, "%s before", g.Key)
			require.Equal(t, now[fn], g.After, "%s after", g.Key)
			grew = grew || g.After > g.Before
		}
	}
	require.True(t, grew, "no creator grew from the 100- to the 300-goroutine dump: %s", r.stdout)
}
