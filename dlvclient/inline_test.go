package dlvclient_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// runtimeFrames extracts the "FRAME fn" lines testdata/inlined prints: the
// runtime's own symbolization (runtime.CallersFrames) of the canceller's
// stack, inlined frames included.
func runtimeFrames(stderr []byte) []string {
	var out []string
	for _, line := range strings.Split(string(stderr), "\n") {
		if fn, ok := strings.CutPrefix(line, "FRAME "); ok {
			out = append(out, fn)
		}
	}
	return out
}

// cancellerFunctions is the canceller stack of the target's one explicit
// cancel, from main.stopAll outwards, as dlv-tasks symbolized it.
func cancellerFunctions(t *testing.T, s *dlvclient.Session) []string {
	t.Helper()
	tr, err := s.Tracker(context.Background())
	require.NoError(t, err)
	require.NotNil(t, tr)
	var rec *model.Cancellation
	for i := range tr.Cancellations {
		if tr.Cancellations[i].How == model.CancelExplicit {
			rec = &tr.Cancellations[i]
		}
	}
	require.NotNil(t, rec, "the stopper's cancel is recorded")
	var fns []string
	for _, f := range rec.Stack {
		fns = append(fns, f.Function)
	}
	for i, fn := range fns {
		if fn == "main.stopAll" {
			return fns[i:]
		}
	}
	t.Fatalf("main.stopAll (inlined) missing from the canceller stack %v", fns)
	return nil
}

// TestRecordedStacksExpandInlinedCalls compares the canceller stack that
// dlv-tasks symbolizes from the tracker's raw pcs with the runtime's own
// symbolization of the same call site: the same functions, inlined ones
// included, none repeated.
func TestRecordedStacksExpandInlinedCalls(t *testing.T) {
	forEachToolchain(t, "inlined", func(t *testing.T, exe string) {
		tg := testutil.StartTracedTarget(t, exe, nil, nil)
		want := runtimeFrames(tg.Stderr())
		require.Equal(t, "main.stopAll", want[0])
		require.Contains(t, want, "main.watch")
		s, err := dlvclient.Attach(tg.Pid)
		require.NoError(t, err)
		got := cancellerFunctions(t, s)
		require.NoError(t, s.Close())
		require.Equal(t, want, got, "live: dlv-tasks vs runtime.CallersFrames")

		core, stderr := testutil.CrashCore(t, exe, nil, nil)
		want = runtimeFrames(stderr)
		c, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer c.Close()
		require.Equal(t, want, cancellerFunctions(t, c), "core: dlv-tasks vs runtime.CallersFrames")
	})
}
