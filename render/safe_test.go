package render

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestSafe(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain name", "plain name"},
		{"naïve café ✓ 日本語", "naïve café ✓ 日本語"},
		{`back\slash "quoted" 'single'`, `back\slash "quoted" 'single'`},
		{"\x1b]0;PWNED\x07\x1b[2J", `\x1b]0;PWNED\a\x1b[2J`},
		{"a\r\nFAKE LINE t:999", `a\r\nFAKE LINE t:999`},
		{"tab\there", `tab\there`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u009b csi \u0085 nel", `c1 \u009b csi \u0085 nel`},
		{"bidi \u202eevil\u202c", `bidi \u202eevil\u202c`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"cut utf8 \xe6\x97", `cut utf8 \xe6\x97`},
		{"bad \xff\xfe byte", `bad \xff\xfe byte`},
		{"real replacement char \ufffd", "real replacement char \ufffd"},
		{"tag \U000e0041", `tag \U000e0041`},
	} {
		assert.Equal(t, c.want, Safe(c.in), "Safe(%q)", c.in)
		assert.True(t, terminalSafe(Safe(c.in)), "Safe(%q) = %q", c.in, Safe(c.in))
	}
}

// terminalSafe reports whether s holds nothing a terminal acts on except
// line feeds and tabs: no other C0 control, no DEL, no C1 control, no
// invalid UTF-8, no bidi override.
func terminalSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return false
		}
	}
	return true
}

// FuzzSafe: Safe's output is always terminal-safe and one line, and
// printable input comes back unchanged. Minimization is cut to 200 runs
// unless the command line sets it (the default minute per new input
// stalls a short run).
func FuzzSafe(f *testing.F) {
	set := false
	flag.Visit(func(fl *flag.Flag) { set = set || fl.Name == "test.fuzzminimizetime" })
	if !set {
		_ = flag.Set("test.fuzzminimizetime", "200x")
	}
	for _, s := range []string{"", "plain", "\x1b[2J\r\n", "\xff\u202e\u0085", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Safe(s)
		if !terminalSafe(out) || strings.ContainsAny(out, "\n\t") {
			t.Fatalf("Safe(%q) = %q", s, out)
		}
		if terminalSafe(s) && !strings.ContainsAny(s, "\n\t") && !strings.ContainsFunc(s, func(r rune) bool { return !printable(r, utf8.RuneLen(r)) }) && out != s {
			t.Fatalf("Safe changed printable %q to %q", s, out)
		}
	})
}

// hostileText is what a target names things to take over a terminal:
// retitle the window, clear the screen, forge a table row, a C1 CSI, a
// bidi override, an invalid byte.
const hostileText = "\x1b]0;PWNED\x07\x1b[2J\x1b[H\r\nFAKE LINE t:999\t\u009b31m\u202e\xff"

// poison appends hostileText to every non-empty string reachable from v (struct
// fields, slices, map keys and values, pointers), except the enumerations
// the decoders produce (Status, How, Outcome), which the analysis switches on.
func poison(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		poison(v.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			switch v.Type().Field(i).Name {
			case "Status", "How", "Outcome":
				continue
			}
			if v.Field(i).CanSet() {
				poison(v.Field(i), seen)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			poison(v.Index(i), seen)
		}
	case reflect.Map:
		if v.IsNil() || v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return
		}
		m := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			m.SetMapIndex(reflect.ValueOf(k.String()+hostileText), reflect.ValueOf(v.MapIndex(k).String()+hostileText))
		}
		v.Set(m)
	case reflect.String:
		if v.String() != "" { // empty means absent: keep the shape of the output
			v.SetString(v.String() + hostileText)
		}
	}
}

// renderAll renders every text view of the fixtures, by name.
func renderAll(t *testing.T, tr *model.Tracker, snap *model.Snapshot, gs []model.Goroutine) map[string]string {
	t.Helper()
	out := map[string]string{}
	do := func(name string, f func(b *strings.Builder) error) {
		var b strings.Builder
		require.NoError(t, f(&b), name)
		out[name] = b.String()
	}
	snap.Goroutines = append(snap.Goroutines, gs...)
	snap.Sort()
	x := chains.NewTaskIndex(tr, snap)
	do("ps", func(b *strings.Builder) error { return PsTable(b, snap.Goroutines, len(snap.Goroutines)) })
	for _, key := range []string{"creation", "location", "start", "task", "group"} {
		k, err := chains.ParseGroupKey(key)
		require.NoError(t, err)
		do("group "+key, func(b *strings.Builder) error {
			return Groups(b, chains.GroupGoroutines(snap.Goroutines, k, ""), key)
		})
	}
	do("pstree", func(b *strings.Builder) error { return Tree(b, chains.BuildTree(snap)) })
	do("pstree -tasks", func(b *strings.Builder) error { return TaskTree(b, tr, chains.BuildTaskTree(tr, snap)) })
	do("ps-terminated", func(b *strings.Builder) error { return PsTerminated(b, tr, tr.Terminated) })
	for _, e := range tr.Terminated {
		ref, err := x.Resolve(chains.ID{Task: e.Task.ID})
		require.NoError(t, err)
		hops, err := x.CancelChain(chains.ID{Task: e.Task.ID})
		require.NoError(t, err)
		do("where-terminated "+e.Task.Name, func(b *strings.Builder) error {
			return WhereTerminated(b, tr, ref.Ended, x.CreationChain(e.Task.ID), hops)
		})
	}
	for _, g := range snap.Goroutines {
		chain, err := chains.CreationChain(snap, g.ID)
		require.NoError(t, err)
		g := g
		do("where "+g.Location.Function, func(b *strings.Builder) error {
			return Where(b, &g, []model.Frame{{Location: g.Location, Err: g.Unreadable}}, true, chain, []model.Ancestor{{ID: 1, Unreadable: g.Unreadable}, {ID: 2, Stack: frames(g.Start.Function)}})
		})
		if g.Task != nil {
			hops, err := chains.CancelChain(tr, snap, chains.ID{Goroutine: g.ID})
			require.NoError(t, err)
			do("cancel-chain "+g.Task.Name, func(b *strings.Builder) error { return CancelChain(b, tr, g.Task, hops) })
		}
	}
	do("ps -cancelled", func(b *strings.Builder) error { return Swallowed(b, tr, chains.SwallowedCancellations(tr, snap)) })
	do("ps-terminated -runtime", func(b *strings.Builder) error { return ExitedGoroutines(b, snap.Exited, len(snap.Exited)) })
	return out
}

// TestTextOutputIsTerminalSafe renders every text view twice, of benign
// fixtures and of the same fixtures with hostileText appended to every
// string the target supplies: the hostile output holds no byte a terminal
// acts on (except our own line feeds and tabs), has exactly as many lines
// (a name cannot forge a row), and shows the escapes.
func TestTextOutputIsTerminalSafe(t *testing.T) {
	build := func(hostile bool) map[string]string {
		tr, snap := trackerFixture()
		gs := psFixture()
		snap.Exited = []model.ExitedGoroutine{{ID: 40, ParentID: 1, GoStatement: loc("main.spawner", 60), Start: loc("main.gone", 61)}}
		tr.Terminated[0].Task.Created = frames("main.startFails")
		gs[1].Unreadable = "could not read"
		if hostile {
			seen := map[uintptr]bool{}
			poison(reflect.ValueOf(tr), seen)
			poison(reflect.ValueOf(snap), seen)
			poison(reflect.ValueOf(&gs), seen)
		}
		return renderAll(t, tr, snap, gs)
	}
	benign, hostile := build(false), build(true)
	require.Equal(t, len(benign), len(hostile))
	names := map[string]bool{}
	for name := range hostile {
		names[strings.ReplaceAll(name, hostileText, "")] = true
	}
	for name := range benign {
		assert.True(t, names[name], "view %q missing from the hostile run", name)
	}
	for name, text := range hostile {
		plain := strings.ReplaceAll(name, hostileText, "")
		assert.True(t, terminalSafe(text), "%s: unsafe output:\n%q", plain, text)
		assert.Equal(t, strings.Count(benign[plain], "\n"), strings.Count(text, "\n"), "%s: rows forged:\n%s", plain, text)
		assert.Contains(t, text, `\x1b]0;PWNED\a`, plain)
	}
	ctx := []model.ContextChain{{Frame: 1, Function: "main.worker", Variable: "ctx", Cancelled: 0,
		Path: []model.ContextNode{{Type: "*context.cancelCtx", Err: "context canceled", Cause: "x"}}}}
	var plain, evil strings.Builder
	require.NoError(t, ContextChains(&plain, 1, ctx))
	poison(reflect.ValueOf(&ctx), map[uintptr]bool{})
	require.NoError(t, ContextChains(&evil, 1, ctx))
	assert.True(t, terminalSafe(evil.String()), "%q", evil.String())
	assert.Equal(t, strings.Count(plain.String(), "\n"), strings.Count(evil.String(), "\n"))
}

// TestJSONKeepsTargetBytes: the JSON documents carry the target's strings
// exactly; only the text views escape them.
func TestJSONKeepsTargetBytes(t *testing.T) {
	tr, _ := trackerFixture()
	poison(reflect.ValueOf(tr), map[uintptr]bool{})
	var b strings.Builder
	require.NoError(t, JSON(&b, NewPsTerminatedDoc(tr, tr.Terminated)))
	var doc struct {
		Terminated []struct {
			Text string `json:"text"`
			Task struct {
				Name string `json:"name"`
			} `json:"task"`
		} `json:"terminated"`
	}
	require.NoError(t, json.Unmarshal([]byte(b.String()), &doc))
	require.Len(t, doc.Terminated, len(tr.Terminated))
	for i, e := range tr.Terminated {
		// JSON cannot carry invalid UTF-8: encoding/json writes U+FFFD for it.
		assert.Equal(t, strings.ToValidUTF8(e.Task.Name, "\ufffd"), doc.Terminated[i].Task.Name)
		assert.Equal(t, strings.ToValidUTF8(e.Text, "\ufffd"), doc.Terminated[i].Text)
	}
}

func TestTrackerNote(t *testing.T) {
	assert.Empty(t, TrackerNote(nil, nil))
	assert.Empty(t, TrackerNote(&model.Tracker{Skipped: map[string]int{}}, nil))
	assert.Empty(t, TrackerNote(nil, fmt.Errorf("read: %w", context.Canceled)))
	assert.Equal(t, "note: tracker unreadable (tracker root: magic 0x1, want 0x6b7361742d766c64 \\x1b): answers come from the runtime alone",
		TrackerNote(nil, errors.New("tracker root: magic 0x1, want 0x6b7361742d766c64 \x1b")))
	tr := &model.Tracker{Skipped: map[string]int{"mid-write": 2, "duplicate chunk": 1044224, "corrupt": 0}, Partial: true, Dropped: 3,
		Problems: []string{"live: 4095 chunk-directory entries repeat\r\n", "second"}}
	note := TrackerNote(tr, nil)
	assert.Equal(t, `note: 1044226 tracker records skipped: 1044224 duplicate chunk, 2 mid-write; read partial (budget): some records not read; 3 tasks not recorded by the tracker (arenas full); first problem: live: 4095 chunk-directory entries repeat\r\n (and 1 more)`, note)
	assert.NotContains(t, note, "\n")
}
