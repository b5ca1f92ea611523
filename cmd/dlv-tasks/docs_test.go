package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/demosrc"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/terminal"
)

// The example blocks of the docs are real output, checked here. A block is
// marked by an HTML comment on the line before its fence:
//
//	<!-- example: SESSION -->              the block shows "(dlv-tasks) CMD" lines, each followed by its output
//	<!-- example: SESSION | CMD; CMD -->   the block is the output of CMDs alone (JSON blocks)
//
// SESSION is `demo` (the bundled demo, as `dlv-tasks demo` runs it) or
// `exec EXE [ARGS]` where EXE is built by the doc's own build block,
// marked `<!-- example-build -->` (each line is run as written, from the
// repository root, with /tmp/ in it replaced by a test directory), run to
// main.ready as `-c 'break main.ready' -c continue` does. Blocks of one
// SESSION share one session, in the order of the docs; a SESSION followed
// by ` (again)` opens a fresh one. A marker may also name a goroutine by
// what it is: `; 16 = ROLE` replaces the id 16 in the block's commands by
// the id of the goroutine of that ROLE in this run (docSelectors).
//
// The test runs every command and compares each block with the fresh
// output after normalize; `go generate ./cmd/dlv-tasks` (go test -run
// TestDocExamples -update-docs) rewrites the blocks that no longer
// reproduce from a fresh run.
var updateDocs = flag.Bool("update-docs", false, "rewrite the example blocks of the docs from a fresh run")

// docFiles are the docs whose example blocks are checked.
var docFiles = []string{"README.md", "docs/TRACKER-COMMANDS.md"}

// docExample is one marked block.
type docExample struct {
	file          string
	marker        int // line index of the marker
	start, end    int // line indexes of the block's content: [start, end)
	session       string
	bare          []string // commands of a block without prompt lines
	substitutions map[string]string
	body          []string
}

var (
	markerRE       = regexp.MustCompile(`^<!-- example: (.*?) -->$`)
	substitutionRE = regexp.MustCompile(`; (\d+) = ([^;]+)$`)
)

// parseExamples finds the marked blocks of a doc.
func parseExamples(t *testing.T, file string, lines []string) []*docExample {
	var out []*docExample
	for i := 0; i < len(lines); i++ {
		m := markerRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		require.True(t, i+1 < len(lines) && strings.HasPrefix(lines[i+1], "```"), "%s:%d: a marker must precede a fence", file, i+1)
		ex := &docExample{file: file, marker: i, start: i + 2, substitutions: map[string]string{}}
		spec := m[1]
		for {
			sub := substitutionRE.FindStringSubmatchIndex(spec)
			if sub == nil {
				break
			}
			ex.substitutions[spec[sub[2]:sub[3]]] = spec[sub[4]:sub[5]]
			spec = spec[:sub[0]]
		}
		session, cmds, bare := strings.Cut(spec, " | ")
		ex.session = session
		if bare {
			ex.bare = strings.Split(cmds, "; ")
		}
		j := ex.start
		for j < len(lines) && !strings.HasPrefix(lines[j], "```") {
			j++
		}
		require.Less(t, j, len(lines), "%s:%d: block not closed", file, i+1)
		ex.end = j
		ex.body = lines[ex.start:ex.end]
		out = append(out, ex)
		i = j
	}
	return out
}

// commands are the block's commands: its prompt lines, or the marker's.
func (ex *docExample) commands() []string {
	if ex.bare != nil {
		return ex.bare
	}
	var cmds []string
	for _, l := range ex.body {
		if c, ok := strings.CutPrefix(l, terminal.Prompt); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// docSession is one session the examples run in.
type docSession struct {
	s    *dlvclient.Session
	term *terminal.Terminal
	out  *bytes.Buffer
	snap *model.Snapshot
}

// run runs one command and returns what it printed: notes and stop
// messages (stderr) first, then its output, then its error line — as the
// prompt shows them on a terminal.
func (d *docSession) run(cmd string) string {
	d.out.Reset()
	if err := d.term.ExecuteContext(context.Background(), cmd); err != nil {
		fmt.Fprintln(d.out, terminal.ErrorLine(err))
	}
	return d.out.String()
}

// TestDocExamples runs every marked example of the docs and compares it
// with its block.
func TestDocExamples(t *testing.T) {
	root := testutil.RepoRoot(t)
	docs := map[string][]string{}
	var all []*docExample
	var builds []string
	for _, f := range docFiles {
		data, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		lines := strings.Split(string(data), "\n")
		docs[f] = lines
		all = append(all, parseExamples(t, f, lines)...)
		builds = append(builds, buildLines(t, f, lines)...)
	}
	require.NotEmpty(t, all)

	// The targets are built by the docs' own build commands.
	tmp := t.TempDir()
	for _, b := range builds {
		line := strings.ReplaceAll(b, "/tmp/", tmp+"/")
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "the docs' build command %q failed:\n%s", b, out)
	}

	sessions := map[string]*docSession{}
	defer func() {
		for _, d := range sessions {
			closeSession(d.s)
		}
	}()
	failed := 0
	for _, ex := range all {
		d := sessions[ex.session]
		if d == nil {
			d = openDocSession(t, strings.TrimSuffix(ex.session, " (again)"), tmp)
			sessions[ex.session] = d
		}
		got, marker := ex.produce(t, d, docs[ex.file][ex.marker])
		want, have := normalize(ex.body, root), normalize(got, root)
		if *updateDocs && want != have { // a block that still reproduces is left as it is
			docs[ex.file][ex.marker] = marker
			lines := docs[ex.file]
			// Replace in place: later blocks of this file shift by the
			// difference, so rewrite from the file's current state.
			for _, other := range all {
				if other.file == ex.file && other.start > ex.start {
					delta := len(got) - (ex.end - ex.start)
					other.marker += delta
					other.start += delta
					other.end += delta
				}
			}
			docs[ex.file] = append(append(append([]string{}, lines[:ex.start]...), got...), lines[ex.end:]...)
			ex.end = ex.start + len(got)
			continue
		}
		if !*updateDocs && want != have {
			failed++
			t.Errorf("%s:%d: the example (%s) no longer reproduces: go generate ./cmd/dlv-tasks rewrites the docs from a fresh run\n--- doc (normalized)\n%s\n--- now (normalized)\n%s",
				ex.file, ex.marker+1, ex.session, want, have)
		}
	}
	if *updateDocs {
		for f, lines := range docs {
			require.NoError(t, os.WriteFile(filepath.Join(root, f), []byte(strings.Join(lines, "\n")), 0o644))
		}
		return
	}
	t.Logf("%d examples checked, %d differ", len(all), failed)
}

// produce runs the example's commands and returns the block's new content,
// its prompt lines showing the ids the commands ran with, and the marker
// naming those ids.
func (ex *docExample) produce(t *testing.T, d *docSession, marker string) (block []string, newMarker string) {
	ids := map[string]string{}
	for id, role := range ex.substitutions {
		sel, ok := docSelectors[role]
		require.True(t, ok, "%s:%d: unknown role %q", ex.file, ex.marker+1, role)
		ids[id] = fmt.Sprint(sel(t, d))
		marker = strings.Replace(marker, "; "+id+" = "+role, "; "+ids[id]+" = "+role, 1)
	}
	var b strings.Builder
	for _, c := range ex.commands() {
		run := c
		for id, gid := range ids {
			run = regexp.MustCompile(`\b`+id+`\b`).ReplaceAllString(run, gid)
		}
		if ex.bare == nil {
			shown := c // checking: the doc's id, a goroutine id that differs between runs
			if *updateDocs {
				shown = run
			}
			b.WriteString(terminal.Prompt + shown + "\n")
		}
		b.WriteString(d.run(run))
	}
	return strings.Split(strings.TrimSuffix(pathsAsInDocs(b.String(), testutil.RepoRoot(t)), "\n"), "\n"), marker
}

// docSelectors find a goroutine by its role, for examples that name one by
// id (ids differ from run to run).
var docSelectors = map[string]func(t *testing.T, d *docSession) int64{
	// The first goroutine that leakylib leaked for main.startAuditLog.
	"a leakylib poll goroutine of main.startAuditLog": func(t *testing.T, d *docSession) int64 {
		snap := d.snapshot(t)
		for i := range snap.Goroutines {
			g := &snap.Goroutines[i]
			if strings.HasSuffix(g.Location.Function, "leakylib.(*Watcher).poll") {
				if p := snap.Goroutine(g.ParentID); p != nil && p.Start.Function == "main.startAuditLog" {
					return g.ID
				}
			}
		}
		t.Fatal("no leakylib poll goroutine created by main.startAuditLog")
		return 0
	},
}

func (d *docSession) snapshot(t *testing.T) *model.Snapshot {
	snap, err := d.s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	return snap
}

// buildLines are the lines of the doc's build blocks.
func buildLines(t *testing.T, file string, lines []string) []string {
	var out []string
	for i := 0; i < len(lines); i++ {
		if lines[i] != "<!-- example-build -->" {
			continue
		}
		require.True(t, i+1 < len(lines) && strings.HasPrefix(lines[i+1], "```"), "%s:%d: a build marker must precede a fence", file, i+1)
		for j := i + 2; j < len(lines) && !strings.HasPrefix(lines[j], "```"); j++ {
			if l := strings.TrimSpace(lines[j]); l != "" && !strings.HasPrefix(l, "#") {
				out = append(out, l)
			}
		}
	}
	return out
}

// openDocSession opens the session an example names, stopped at main.ready.
func openDocSession(t *testing.T, spec, tmp string) *docSession {
	t.Helper()
	// No garbage collection in the targets: a GC at an unpredictable moment
	// starts the runtime's mark workers (one per P) and stamps wait times,
	// and examples would count goroutines differently from run to run.
	t.Setenv("GOGC", "off")
	var exe string
	var args []string
	switch fields := strings.Fields(spec); {
	case spec == "demo":
		// Named as the demo command names it.
		dir, err := os.MkdirTemp("", "dlv-tasks-demo")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		src, err := demosrc.Extract(dir)
		require.NoError(t, err)
		exe = filepath.Join(dir, "demo")
		// As the demo command builds it. It runs with report jobs that last
		// an hour instead of a second: the pile-up at main.ready is then the
		// same on a loaded machine, where a job might otherwise end before
		// the stop (a job's length is shown nowhere).
		require.NoError(t, buildProgram(src, exe, "-gcflags=example.com/demo/...=-N -l", "-gcflags="+model.TrackerPackage+"=-N -l"))
		args = []string{"-jobtime", "1h"}
	case len(fields) >= 2 && fields[0] == "exec":
		exe = fields[1]
		if !filepath.IsAbs(exe) {
			exe = filepath.Join(tmp, exe)
		}
		args = fields[2:]
	default:
		t.Fatalf("unknown example session %q", spec)
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer devNull.Close()
	s, err := dlvclient.Exec(exe, args, dlvclient.WithOutput(devNull))
	require.NoError(t, err)
	require.NoError(t, runToReady(s))
	var out bytes.Buffer
	return &docSession{s: s, term: terminal.New(s, &out, &out), out: &out}
}

// pathsAsInDocs writes the paths that depend on the machine as the docs
// show them: the checkout as /work/main, the Go root as /usr/local/go, the
// demo's temporary build directory as /tmp/dlv-tasks-demo….
func pathsAsInDocs(s, root string) string {
	s = demoDirRE.ReplaceAllString(s, "/tmp/dlv-tasks-demo…")
	s = strings.ReplaceAll(s, root+"/", "/work/main/")
	if goroot := runtime.GOROOT(); goroot != "/usr/local/go" {
		s = strings.ReplaceAll(s, goroot+"/", "/usr/local/go/")
	}
	return s
}

var demoDirRE = regexp.MustCompile(`/tmp/dlv-tasks-demo[0-9]+`)

// normalize returns a block's lines with what legitimately differs
// between two runs of the same example replaced, and nothing else:
//
//   - clock times (tracker times HH:MM:SS.mmm, RFC 3339 times in JSON),
//     how long ago and how long (durations: the target's timing);
//   - addresses (0x…): the heap's layout;
//   - goroutine ids, where the output names a goroutine (ps's ID and
//     PARENT columns, IDS and GOROUTINE columns, "#N", "goroutine N",
//     "ids N,…", breakpoint names cancelN, JSON id fields): the runtime
//     hands out ids from per-P caches, so they differ between runs;
//   - the order of what is ordered by those: the rows of a table (ps
//     lists by id, ps-terminated by end time, and goroutines cancelled
//     together end in any order) and the children of a tree node (by id)
//     are compared as sets;
//   - runs of spaces inside a line: columns are as wide as their widest
//     cell, so a masked id changes the padding;
//   - the note that a tracker record was skipped mid-write: a live target
//     that ran (an injected call runs it) may stop while a goroutine writes
//     a record, or not.
//
// Counts, names, states, functions, files and line numbers are compared
// as they are.
func normalize(lines []string, root string) string {
	var masked []string
	table := ""
	for _, l := range lines {
		l = pathsAsInDocs(l, root)
		if midWriteNoteRE.MatchString(l) {
			continue
		}
		switch {
		case psHeaderRE.MatchString(l):
			table = "ps"
		case strings.HasPrefix(l, "GOROUTINE "):
			table = "goroutine"
		case groupsHeaderRE.MatchString(l):
			table = "groups"
		case tableHeaderRE.MatchString(l):
			table = "other"
		case table != "" && (l == "" || !strings.Contains(l, "  ")):
			table = ""
		case table == "ps":
			l = psIDsRE.ReplaceAllString(l, "G  G  ")
		case table == "goroutine":
			l = firstIDRE.ReplaceAllString(l, "G  ")
		case table == "groups":
			l = lastIDsRE.ReplaceAllString(l, "  G")
		}
		for _, r := range normalizers {
			l = r.re.ReplaceAllString(l, r.with)
		}
		l = spacesRE.ReplaceAllString(l, "$1  ")
		masked = append(masked, strings.TrimRight(l, " "))
	}
	for len(masked) > 0 && masked[len(masked)-1] == "" {
		masked = masked[:len(masked)-1]
	}
	return strings.Join(sortTrees(sortTableRows(masked)), "\n") + "\n"
}

// tableHeaderRE is a table's header line: upper-case column names.
var tableHeaderRE = regexp.MustCompile(`^[A-Z][A-Z ]*[A-Z]$`)

// sortTableRows sorts the rows below each table header.
func sortTableRows(lines []string) []string {
	out := append([]string(nil), lines...)
	for i := 0; i < len(out); i++ {
		if !tableHeaderRE.MatchString(out[i]) || !strings.Contains(out[i], "  ") {
			continue
		}
		j := i + 1
		for j < len(out) && out[j] != "" && strings.Contains(out[j], "  ") && !strings.HasPrefix(out[j], terminal.Prompt) {
			j++
		}
		slices.Sort(out[i+1 : j])
		i = j - 1
	}
	return out
}

var treeChildRE = regexp.MustCompile(`^((?:│  |   )*)(?:├─ |└─ )(.*)$`)

// sortTrees sorts the children of every node of the trees pstree prints
// (after "Tasks:", "Goroutines:" or a pstree prompt line, to a blank line),
// and writes them indented by depth, without the tree's drawing.
func sortTrees(lines []string) []string {
	type node struct {
		text     string
		children []*node
	}
	var render func(n *node, depth int) []string
	render = func(n *node, depth int) []string {
		subs := make([][]string, len(n.children))
		for i, c := range n.children {
			subs[i] = render(c, depth+1)
		}
		slices.SortFunc(subs, func(a, b []string) int { return strings.Compare(strings.Join(a, "\n"), strings.Join(b, "\n")) })
		var out []string
		if depth >= 0 {
			out = append(out, strings.Repeat("  ", depth)+n.text)
		}
		for _, s := range subs {
			out = append(out, s...)
		}
		return out
	}
	var out []string
	var root *node
	var stack []*node
	flush := func() {
		if root != nil {
			out = append(out, render(root, -1)...)
		}
		root, stack = nil, nil
	}
	for _, l := range lines {
		starts := l == "Tasks:" || l == "Goroutines:" || strings.HasPrefix(l, terminal.Prompt+"pstree")
		if root != nil && (l == "" || strings.HasPrefix(l, terminal.Prompt)) {
			flush()
		}
		if root == nil {
			out = append(out, l)
			if starts {
				root = &node{}
				stack = []*node{root}
			}
			continue
		}
		depth, text := 0, l
		if m := treeChildRE.FindStringSubmatch(l); m != nil {
			depth, text = utf8.RuneCountInString(m[1])/3+1, m[2]
		}
		if depth+1 > len(stack) {
			depth = len(stack) - 1 // a malformed tree: keep the line
		}
		n := &node{text: text}
		stack = stack[:depth+1]
		parent := stack[depth]
		parent.children = append(parent.children, n)
		stack = append(stack, n)
	}
	flush()
	return out
}

var (
	psHeaderRE     = regexp.MustCompile(`^ID +PARENT `)
	midWriteNoteRE = regexp.MustCompile(`^note: \d+ tracker records? skipped: \d+ mid-write$`)
	groupsHeaderRE = regexp.MustCompile(`^COUNT +KEY `)
	psIDsRE        = regexp.MustCompile(`^\d+\s+(\d+|-)\s+`)
	firstIDRE      = regexp.MustCompile(`^\d+\s+`)
	lastIDsRE      = regexp.MustCompile(`\s+[\d,…]+$`)
	spacesRE       = regexp.MustCompile(`(\S) {2,}`)
)

var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b\d\d:\d\d:\d\d\.\d{3}\b`), "HH:MM:SS.mmm"},
	{regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)"`), `"TIME"`},
	{regexp.MustCompile(`(<1ms|\b\d+(\.\d+)?(ns|µs|ms|s|m|h)(\d+(\.\d+)?(ms|s|m))*)\b`), "DUR"},
	{regexp.MustCompile(`<1ms`), "DUR"},
	{regexp.MustCompile(`"(\w+_ns)": \d+`), `"$1": N`},
	{regexp.MustCompile(`0x[0-9a-f]+`), "0xADDR"},
	{regexp.MustCompile(`#\d+`), "#G"},
	{regexp.MustCompile(`\b([Gg]oroutines?):? \d+`), "$1 G"},
	{regexp.MustCompile(`\bids [\d,…]+`), "ids G"},
	{regexp.MustCompile(`\bcancel\d+`), "cancelG"},
	{regexp.MustCompile(`"(id|parent_id|goroutine_id|canceller_goroutine_id)": \d+`), `"$1": G`},
}
