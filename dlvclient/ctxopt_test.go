package dlvclient_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// ctxoptVictims are the goroutines of testdata/ctxopt that keep running
// after their context was cancelled; main.canceller cancelled it.
var ctxoptVictims = []string{"main.argVictim", "main.localVictim", "main.fieldVictim", "main.loopVictim"}

// TestContextsInOptimizedBuilds: without the tracker, in the default
// (optimized) build as with -N -l, ps -cancelled finds every victim of
// testdata/ctxopt (an optimized build may keep a context only in a
// closure's captured variables) and not the goroutines that hold the cancel
// function of the cancelled context (main.canceller, main.main); where a
// context variable is optimized away, cancel-chain says so and why.
func TestContextsInOptimizedBuilds(t *testing.T) {
	for _, build := range []struct {
		name  string
		flags []string
	}{{"optimized", nil}, {"-N -l", []string{"-gcflags=all=-N -l"}}} {
		t.Run(build.name, func(t *testing.T) {
			exe := testutil.BuildTargetFlags(t, "ctxopt", build.flags...)
			tg := testutil.StartTracedTarget(t, exe, nil, nil)
			s, err := dlvclient.Attach(tg.Pid)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			out, notes, err := runCommand(t, s, "ps -cancelled")
			require.NoError(t, err)
			t.Logf("%s%s", out, notes)
			for _, v := range ctxoptVictims {
				assert.Contains(t, out, v, "victim %s", v)
			}
			assert.Contains(t, out, "4 goroutines still running")
			assert.NotContains(t, out, "main.canceller")
			assert.NotContains(t, out, "main.main ")

			out, _, err = runCommand(t, s, "cancel-chain "+itoa64(goroutineAt(t, s, "main.canceller")))
			require.NoError(t, err)
			assert.Contains(t, out, "the canceller, not a victim")
			if build.flags == nil {
				out, _, err = runCommand(t, s, "cancel-chain "+itoa64(goroutineAt(t, s, "main.loopVictim")))
				require.NoError(t, err)
				t.Logf("%s", out)
				assert.Contains(t, out, "not visible at this point of an optimized function")
				assert.Contains(t, out, "-gcflags=all=-N -l")
				assert.True(t, strings.Contains(out, "cancelled at *context.cancelCtx"), "found through the closure's captured context")
			}
		})
	}
}
