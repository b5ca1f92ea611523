package terminal

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// TestOvertimeCommandsOnACore runs snapshot, snapshots and diff over a
// core-like fake, and checks their argument errors and top's refusal.
func TestOvertimeCommandsOnACore(t *testing.T) {
	f := taskSession()
	var out strings.Builder
	term := New(f, &out, &strings.Builder{})
	require.NoError(t, term.Execute("snapshot a"))
	assert.Contains(t, out.String(), "kept snapshot a: 2 goroutines")
	// Another snapshot: one more goroutine.
	f.snap = &model.Snapshot{Goroutines: append(append([]model.Goroutine{}, f.snap.Goroutines...), goroutine(9, "main.poll")), Tracker: f.tracker}
	out.Reset()
	require.NoError(t, term.Execute("snapshot -json"))
	assert.Contains(t, out.String(), `"name": "1"`)
	out.Reset()
	require.NoError(t, term.Execute("snapshots"))
	assert.Regexp(t, `(?m)^a\s+\S+\s+2$`, out.String())
	assert.Regexp(t, `(?m)^1\s+\S+\s+3$`, out.String())
	out.Reset()
	require.NoError(t, term.Execute("diff a 1 -group label:role"))
	assert.Contains(t, out.String(), "by label role")
	out.Reset()
	require.NoError(t, term.Execute("diff a -group label:role -limit 1"))
	assert.Contains(t, out.String(), "→ now")

	for cmd, want := range map[string]string{
		"diff a 1 2":          "diff: wrong number of arguments (usage: diff [A] [B]",
		"diff -group label":   "diff: -group label needs its key as label:KEY here",
		"diff -group stack":   "diff: -group stack reads every stack",
		"diff missing":        `diff: no snapshot kept as "missing"`,
		"top":                 "top: needs a live target: for cores, compare two with dlv-tasks diff EXE CORE1 CORE2",
		"top -interval 0":     "top: -interval must be positive",
		"top extra":           `top: unexpected argument "extra" (usage: top [-interval D]`,
		"top -group label":    "top: -group label needs a label key",
		"snapshot now":        `snapshot: "now" names the current snapshot`,
		"snapshot a b":        "snapshot: wrong number of arguments",
		"snapshots -bogus":    "snapshots: flag provided but not defined: -bogus",
		"diff -limit nothing": `diff: invalid value "nothing" for flag -limit`,
	} {
		err := term.Execute(cmd)
		require.Error(t, err, cmd)
		assert.Contains(t, err.Error(), want, cmd)
	}
	assert.Nil(t, term.overtime.running)
	require.NoError(t, term.Close())
}

// TestTopStopsWhenTheTargetStops runs top over a fake live target whose
// Continue returns at once, as at a breakpoint: top ends and leaves it there.
func TestTopStopsWhenTheTargetStops(t *testing.T) {
	f := taskSession()
	f.live = true
	var out strings.Builder
	term := New(f, &out, &strings.Builder{})
	err := term.Execute("top -n 3 -interval 10ms")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "top: the target stopped by itself")
	assert.Nil(t, term.overtime.running)
}

// TestDiffKeysAsPsShowsThem: diff's keys are short files, as ps -group
// shows them (diff printed /src/app/main.go:12 where ps -group printed
// app/main.go:12), and a function name from the target is escaped.
func TestDiffKeysAsPsShowsThem(t *testing.T) {
	f := manyGoroutines(2)
	hostile := goroutine(3, "main.worker")
	hostile.GoStatement.Function = "main.spawn\x1b]0;PWNED\a"
	f.snap.Goroutines = append(f.snap.Goroutines, hostile)
	var out strings.Builder
	term := New(f, &out, &strings.Builder{})
	require.NoError(t, term.Execute("snapshot a"))
	out.Reset()
	require.NoError(t, term.Execute("ps -group creation"))
	psKeys := out.String()
	out.Reset()
	require.NoError(t, term.Execute("diff a"))
	for _, key := range []string{`main.main app/main.go:12`, `main.spawn\x1b]0;PWNED\a app/main.go:12`} {
		assert.Contains(t, psKeys, key)
		assert.Contains(t, out.String(), key)
	}
	assert.NotContains(t, out.String(), "/src/app/")
	assert.NotContains(t, out.String(), "\x1b")
}
