package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// onTerminal runs dlv-tasks on a pseudo-terminal (util-linux script) of
// the given width, with env, and returns what the terminal showed, line by
// line, with colour codes kept.
func onTerminal(t *testing.T, cols int, env string, args ...string) []string {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("util-linux script is not installed: no pseudo-terminal to test with")
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	line := fmt.Sprintf("stty cols %d rows 20; %s %s %s 2>/dev/null", cols, env, dlvTasks(t), strings.Join(quoted, " "))
	out, err := exec.Command(script, "-qec", line, "/dev/null").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.Split(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n")
}

// TestTablesFitTheTerminal: on a terminal of 80 and of 200 columns no line
// of ps, ps -group or pstree is wider than the terminal, ids and states stay
// whole, and -wide prints everything; colour is used on a terminal but not
// under NO_COLOR, and never when piped.
func TestTablesFitTheTerminal(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, _ := testutil.CrashCore(t, exe, []string{"-n", "6"}, nil)
	cmds := []string{"-c", "ps", "-c", "ps -group creation", "-c", "pstree", "-c", "ps -group label worker"}
	piped := run(t, "", nil, append([]string{"core", exe, core}, cmds...)...)
	require.Equal(t, 0, piped.code, piped.stderr)
	require.NotContains(t, piped.stdout, "\x1b", "colour in piped output")
	widest := 0
	for _, l := range strings.Split(piped.stdout, "\n") {
		widest = max(widest, runewidth.StringWidth(l))
	}
	require.Greater(t, widest, 80, "the zoo's output is too narrow to test fitting")

	for _, cols := range []int{80, 200} {
		lines := onTerminal(t, cols, "", append([]string{"core", exe, core}, cmds...)...)
		colored := false
		for _, l := range lines {
			colored = colored || strings.Contains(l, "\x1b[")
			plain := ansiEscape.ReplaceAllString(l, "")
			require.LessOrEqual(t, runewidth.StringWidth(plain), cols, "at %d columns: %q", cols, plain)
			if m := regexp.MustCompile(`^(\d+)\s+(\d+|-)\s+`).FindStringSubmatch(plain); m != nil {
				require.NotContains(t, m[0], "…", "an id was cut: %q", plain)
			}
		}
		require.True(t, colored, "no colour on a terminal at %d columns", cols)
	}

	lines := onTerminal(t, 80, "NO_COLOR=1", append([]string{"core", exe, core}, cmds...)...)
	for _, l := range lines {
		require.NotContains(t, l, "\x1b[3", "colour under NO_COLOR: %q", l)
	}
	wide := onTerminal(t, 80, "NO_COLOR=1", "core", exe, core, "-c", "ps -wide")
	longest := 0
	for _, l := range wide {
		longest = max(longest, runewidth.StringWidth(ansiEscape.ReplaceAllString(l, "")))
	}
	require.Greater(t, longest, 80, "-wide still fits the terminal")
	require.Contains(t, strings.Join(wide, "\n"), strings.Split(strings.TrimSpace(run(t, "", nil, "core", exe, core, "-c", "ps").stdout), "\n")[2],
		"-wide does not print the rows whole")
}

// TestPagerOnlyWhenAsked: long output goes through $PAGER with --pager, and
// never without it; output that fits the terminal is not paged.
func TestPagerOnlyWhenAsked(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, _ := testutil.CrashCore(t, exe, []string{"-n", "6"}, nil)
	pager := "PAGER='sed s/^/PAGED:/' NO_COLOR=1"
	paged := strings.Join(onTerminal(t, 120, pager, "--pager", "core", exe, core, "-c", "ps", "-c", "ps -limit 1"), "\n")
	require.Contains(t, paged, "PAGED:ID ", "a long ps was not paged")
	require.Regexp(t, `(?m)^\d+ goroutines, showing the first 1 \(-limit 1\)$`, paged, "a short ps was paged")
	unpaged := strings.Join(onTerminal(t, 120, pager, "core", exe, core, "-c", "ps"), "\n")
	require.NotContains(t, unpaged, "PAGED:", "paged without --pager")
}
