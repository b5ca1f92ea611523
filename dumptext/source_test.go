package dumptext

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestSourceOverDump(t *testing.T) {
	d := parseFile(t, "ancestors.txt").Dumps[0]
	src := NewSource(d, model.Target{Kind: model.KindDump})
	snap, err := src.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.Same(t, snap, src.Cached())
	tr, err := src.Tracker(context.Background())
	require.NoError(t, err)
	require.Nil(t, tr)

	records, enabled := src.AncestorsOf([]int64{9})
	require.True(t, enabled)
	require.Len(t, records[9], 2)
	as, enabled, err := src.Ancestors(9, 1, 1)
	require.NoError(t, err)
	require.True(t, enabled)
	require.Len(t, as, 1, "n ancestors")
	require.Len(t, as[0].Stack, 1, "depth frames")

	_, err = src.Contexts(9)
	require.ErrorIs(t, err, ErrNoContexts)
	_, err = src.Stack(42, 0)
	require.ErrorIs(t, err, model.ErrUnknownGoroutine)
	_, err = src.Continue()
	require.ErrorIs(t, err, model.ErrDumpNotLive)
	require.False(t, src.Live())

	// Without ancestor sections in the dump: not enabled, no error.
	plain := NewSource(parseFile(t, "go121_panic.txt").Dumps[0], model.Target{})
	_, enabled = plain.AncestorsOf([]int64{18})
	require.False(t, enabled)
	st, err := plain.State()
	require.NoError(t, err)
	require.EqualValues(t, 18, st.GoroutineID, "the goroutine printed first")
}

// A stack the runtime did not print is left out of Stacks and is empty for
// Stack; the goroutine's Unreadable says why.
func TestSourceStackUnavailable(t *testing.T) {
	text := "goroutine 7 gp=0x1 m=3 mp=0x2 [running]:\n\tgoroutine running on other thread; stack unavailable\ncreated by main.main in goroutine 1\n\t/a.go:3 +0x1\n\n" +
		"goroutine 1 [select]:\nmain.main()\n\t/a.go:5 +0x1\n"
	file, err := Parse(strings.NewReader(text), Options{})
	require.NoError(t, err)
	src := NewSource(file.Dumps[0], model.Target{})
	stacks := src.Stacks(context.Background(), []int64{1, 7}, 10)
	require.Contains(t, stacks, int64(1))
	require.NotContains(t, stacks, int64(7))
	fs, err := src.Stack(7, 0)
	require.NoError(t, err, "where still shows the goroutine and its creation chain")
	require.Empty(t, fs)
	g := src.Cached().Goroutine(7)
	require.NotEmpty(t, g.Unreadable)
	require.EqualValues(t, 1, g.ParentID)
}

// Log prefixes whose digits change width (trimmed nanoseconds, counters),
// as container runtimes write them.
func TestLogPrefixVariableWidth(t *testing.T) {
	text := strings.Join([]string{
		"2024-05-01T10:00:00.1Z stderr F goroutine 3 [chan receive]:",
		"2024-05-01T10:00:00.12Z stderr F main.worker(0x1)",
		"2024-05-01T10:00:00.123456789Z stderr F \t/src/w.go:9 +0x1d",
		"2024-05-01T10:00:01Z stdout F an unrelated line",
		"2024-05-01T10:00:00.2Z stderr F created by main.main in goroutine 1",
		"2024-05-01T10:00:00.2Z stderr F \t/src/main.go:4 +0x1e",
	}, "\n")
	file, err := Parse(strings.NewReader(text), Options{})
	require.NoError(t, err)
	g := file.Dumps[0].Goroutine(3)
	require.Equal(t, []string{"main.worker"}, funcs(g.Frames))
	require.Equal(t, 9, g.Frames[0].Line)
	require.EqualValues(t, 1, g.ParentID)
	require.Equal(t, "/src/main.go", g.CreatedBy.File)
}
