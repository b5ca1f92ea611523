package dlvclient_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// openDeepctx starts testdata/deepctx (built without optimizations, so
// every context variable is visible) and attaches to it.
func openDeepctx(t *testing.T, args ...string) *dlvclient.Session {
	t.Helper()
	exe := testutil.BuildTargetFlags(t, "deepctx", "-gcflags=all=-N -l")
	tg := testutil.StartTracedTarget(t, exe, args, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestDeepContextChains: a context 1,200 levels above its cancelled root is
// walked to the root and found cancelled; a context pointer to unmapped
// memory reads "unreadable", not "not cancelled".
func TestDeepContextChains(t *testing.T) {
	s := openDeepctx(t)
	deep, err := s.Contexts(goroutineAt(t, s, "main.deepWaiter"))
	require.NoError(t, err)
	c := chainFor(t, deep, "main.deepWaiter", "ctx")
	require.Empty(t, c.Incomplete)
	require.Len(t, c.Path, 1200+2, "1200 valueCtx, the cancelCtx, background")
	require.Equal(t, 1200, c.Cancelled, "the root, under 1200 values, is cancelled")
	assert.Equal(t, "root of 1200 levels cancelled", c.Path[1200].Cause)

	bad, err := s.Contexts(goroutineAt(t, s, "main.badWaiter"))
	require.NoError(t, err)
	b := chainFor(t, bad, "main.badWaiter", "ctx")
	require.Equal(t, -1, b.Cancelled)
	require.Contains(t, b.Incomplete, "unreadable")
	require.Len(t, b.Path, 1)
	assert.Equal(t, uint64(0x1000), b.Path[0].Addr)
	assert.NotEmpty(t, b.Path[0].Unreadable)

	out, _, err := runCommand(t, s, "cancel-chain "+itoa64(goroutineAt(t, s, "main.badWaiter")))
	require.NoError(t, err)
	assert.Contains(t, out, "ctx: not known: context *context.cancelCtx at 0x1000 is unreadable")
	assert.NotContains(t, out, "not cancelled")
}

// TestPsCancelledDeepChainsIsBounded: ps -cancelled over many goroutines,
// each with its own 1,001-deep chain (300 of them: 229 s before the walks
// were remembered, decoded from raw memory and budgeted), answers within
// the walk budgets and marks the goroutines whose walk it cut as not known.
func TestPsCancelledDeepChainsIsBounded(t *testing.T) {
	s := openDeepctx(t, "-many", "300", "-depth", "1001")
	// Read the goroutines first: what is timed is the walks, which the
	// budget bounds, not the snapshot (whose cost is the machine's).
	_, _, err := runCommand(t, s, "ps -limit 1")
	require.NoError(t, err)
	start := time.Now()
	out, notes, err := runCommand(t, s, "ps -cancelled")
	elapsed := time.Since(start)
	require.NoError(t, err)
	t.Logf("ps -cancelled over 300 goroutines with 1,001-deep chains: %v\n%s%s", elapsed, notes, firstLines(out, 3))
	assert.Less(t, elapsed, 30*time.Second)
	listed := strings.Count(out, "main.manyWaiter")
	assert.Contains(t, notes, "is unreadable", "the bad pointer's goroutine is not known, not not cancelled")
	if listed < 300 {
		assert.Contains(t, notes, "note: partial answer: for ", "a cut walk is reported, not counted as not cancelled")
	}
	assert.Contains(t, out, "main.deepWaiter")
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
