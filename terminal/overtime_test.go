package terminal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// leakRate is the growth target's leak, per second.
const leakRate = 20.0

// attachGrowth starts the growth target and attaches to it.
func attachGrowth(t *testing.T, args ...string) (*testutil.Target, *closeOnce) {
	t.Helper()
	exe := testutil.BuildTarget(t, "growth")
	tg := testutil.StartTracedTarget(t, exe, append([]string{"-leak", strconv.FormatFloat(leakRate, 'f', -1, 64)}, args...), nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { s.Close() }) })
	return tg, &closeOnce{Session: s, once: &once}
}

// closeOnce is a session that closes once, by the test or its cleanup.
type closeOnce struct {
	*dlvclient.Session
	once *sync.Once
}

func (c *closeOnce) Close() (err error) {
	c.once.Do(func() { err = c.Session.Close() })
	return err
}

// requireRunning waits until the kernel shows pid out of tracing stop: top
// resumed it.
func requireRunning(t *testing.T, pid int) {
	t.Helper()
	var state string
	require.Eventually(t, func() bool {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		require.NoError(t, err)
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "State:"); ok {
				state = strings.TrimSpace(v)
			}
		}
		return !strings.Contains(state, "tracing stop")
	}, 10*time.Second, 5*time.Millisecond, "target left in %q", state)
}

// topLine is one line of top -json.
type topLine struct {
	Seq       int           `json:"seq"`
	PauseNs   time.Duration `json:"pause_ns"`
	DutyCycle float64       `json:"duty_cycle"`
	Trend     chains.Trend  `json:"trend"`
}

func groupWithKey(t *testing.T, tr *chains.Trend, key string) chains.GroupTrend {
	t.Helper()
	for _, g := range tr.Groups {
		if g.Key == key {
			return g
		}
	}
	t.Fatalf("no group %q", key)
	return chains.GroupTrend{}
}

// checkGrowthVerdicts checks a trend of the growth target grouped by start
// function: the leak first with its rate, the steady sites steady, the
// spinner hot, the report jobs piling up.
func checkGrowthVerdicts(t *testing.T, tr *chains.Trend) {
	t.Helper()
	require.NotEmpty(t, tr.Verdicts)
	assert.Equal(t, chains.VerdictLeak, tr.Verdicts[0].Kind, "%+v", tr.Verdicts)
	assert.Equal(t, "main.fetchOnce", tr.Verdicts[0].Subject)
	leak := tr.Groups[0]
	assert.Equal(t, "main.fetchOnce", leak.Key, "the leak grows most")
	assert.InEpsilon(t, leakRate, leak.RatePerSec, 0.2, "leak rate")
	assert.Empty(t, leak.Ended)
	assert.Equal(t, chains.VerdictSteady, groupWithKey(t, tr, "main.worker").Verdict)
	assert.Equal(t, chains.VerdictSteady, groupWithKey(t, tr, "main.handle").Verdict)
	assert.Equal(t, chains.VerdictSteady, groupWithKey(t, tr, "main.idle").Verdict)
	assert.Equal(t, chains.VerdictHot, groupWithKey(t, tr, "main.spin").Verdict)
	pile := groupWithKey(t, tr, "main.runReportJob")
	assert.Equal(t, chains.VerdictPileUp, pile.Verdict, "%+v", pile)
	assert.NotEmpty(t, pile.Ended)
}

func TestTopLiveGrowth(t *testing.T) {
	tg, s := attachGrowth(t, "-idle", "50")
	var out, errOut strings.Builder
	term := New(s, &out, &errOut)
	require.NoError(t, term.Execute("top -n 5 -interval 1s -group start -json"))
	requireRunning(t, tg.Pid)
	assert.Contains(t, errOut.String(), "the target is running; the next command halts it")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5, "one JSON document a sample")
	var last topLine
	for i, l := range lines {
		var d topLine
		require.NoError(t, json.Unmarshal([]byte(l), &d), l)
		assert.Equal(t, i+1, d.Seq)
		assert.Positive(t, d.PauseNs)
		last = d
	}
	require.Len(t, last.Trend.Samples, 5)
	checkGrowthVerdicts(t, &last.Trend)
	assert.Greater(t, last.DutyCycle, 0.5)

	// The next command halts it first; text mode prints the screen.
	out.Reset()
	require.NoError(t, term.Execute("top -n 3 -interval 300ms"))
	requireRunning(t, tg.Pid)
	assert.Contains(t, out.String(), "top: sample 3, every 300ms, by creation")
	assert.Contains(t, out.String(), "leak suspect: main.leakLoop ")
	require.NoError(t, term.Close())
}

func TestDiffLiveGrowth(t *testing.T) {
	tg, s := attachGrowth(t, "-idle", "50")
	var out strings.Builder
	term := New(s, &out, io.Discard)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// Let it run first, so that the kept snapshot is of a fresh stop.
	require.NoError(t, term.ExecuteContext(ctx, "continue"))
	require.NoError(t, term.Execute("snapshot before"))
	assert.Contains(t, out.String(), "kept snapshot before: ")
	ctx, cancel = context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	require.NoError(t, term.ExecuteContext(ctx, "continue"))
	out.Reset()
	require.NoError(t, term.Execute("diff -group start -json"))
	var tr chains.Trend
	require.NoError(t, json.Unmarshal([]byte(out.String()), &tr))
	checkGrowthVerdicts(t, &tr)
	stuck := tr.Groups[0].Stuck
	require.NotEmpty(t, stuck, "the leaked goroutines of before are stuck")

	out.Reset()
	require.NoError(t, term.Execute("snapshots"))
	assert.Contains(t, out.String(), "before")
	out.Reset()
	require.NoError(t, term.Execute("diff before now"))
	t.Logf("diff before now:\n%s", out.String())
	assert.Regexp(t, `leak suspect: main\.leakLoop \S+growth/main.go:\d+ \+\d+\.\d/s, 0 ended, all blocked in chan receive at main\.fetchOnce `, out.String())
	require.NoError(t, s.Close())
	requireRunning(t, tg.Pid)
}

// failingSession fails the goroutine read once the target has been read
// failAfter times.
type failingSession struct {
	Session
	mu        sync.Mutex
	reads     int
	failAfter int
}

func (f *failingSession) Snapshot(ctx context.Context, p model.Progress) (*model.Snapshot, error) {
	f.mu.Lock()
	f.reads++
	fail := f.reads > f.failAfter
	f.mu.Unlock()
	if fail {
		return nil, errors.New("read runtime.g structs: injected failure")
	}
	return f.Session.Snapshot(ctx, p)
}

// TestTopLeavesTheTargetRunning checks every way top ends against the
// kernel's view of the target: after Ctrl-C, after q, after a failed read.
func TestTopLeavesTheTargetRunning(t *testing.T) {
	tg, s := attachGrowth(t)

	t.Run("ctrl-c", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := &lineHook{n: 2, hook: cancel}
		term := New(s, w, io.Discard)
		require.NoError(t, term.ExecuteContext(ctx, "top -interval 200ms -json"))
		requireRunning(t, tg.Pid)
		require.NoError(t, term.Close())
	})
	t.Run("q", func(t *testing.T) {
		r, wr, err := os.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer wr.Close()
		w := &lineHook{n: 1, hook: func() { wr.WriteString("q\n") }}
		term := New(s, w, io.Discard)
		term.overtime.keys = r
		require.NoError(t, term.Execute("top -interval 200ms -json"))
		requireRunning(t, tg.Pid)
		assert.GreaterOrEqual(t, w.lines, 1)
		require.NoError(t, term.Close())
	})
	t.Run("error", func(t *testing.T) {
		var errOut strings.Builder
		term := New(&failingSession{Session: s, failAfter: 1}, io.Discard, &errOut)
		err := term.Execute("top -interval 200ms -json")
		require.EqualError(t, err, "top: sample 2: read runtime.g structs: injected failure")
		requireRunning(t, tg.Pid)
		require.NoError(t, term.Close())
	})
	t.Run("error at the first sample", func(t *testing.T) {
		term := New(&failingSession{Session: s, failAfter: 0}, io.Discard, io.Discard)
		err := term.Execute("top -n 3 -json")
		require.EqualError(t, err, "top: sample 1: read runtime.g structs: injected failure")
		requireRunning(t, tg.Pid)
		require.NoError(t, term.Close())
	})
}

// lineHook counts the lines written through it and calls hook once after
// the n-th.
type lineHook struct {
	mu    sync.Mutex
	n     int
	lines int
	hook  func()
	done  bool
}

func (h *lineHook) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sc := bufio.NewScanner(strings.NewReader(string(p)))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		h.lines++
	}
	if !h.done && h.lines >= h.n {
		h.done = true
		h.hook()
	}
	return len(p), nil
}

// TestDiffTrackerHistory diffs two stops of a target that starts, ends and
// cancels tracker tasks at full speed: the tasks that ended and the contexts
// cancelled in between are listed, and none of them before the first stop.
func TestDiffTrackerHistory(t *testing.T) {
	exe := testutil.BuildTarget(t, "churn")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	c := &closeOnce{Session: s, once: &sync.Once{}}
	t.Cleanup(func() { c.Close() })
	var out strings.Builder
	term := New(s, &out, io.Discard)
	require.NoError(t, term.Execute("snapshot"))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	require.NoError(t, term.ExecuteContext(ctx, "continue"))
	out.Reset()
	require.NoError(t, term.Execute("diff -group task -json"))
	var tr chains.Trend
	require.NoError(t, json.Unmarshal([]byte(out.String()), &tr))
	require.NotEmpty(t, tr.EndedTasks, "churn ends tasks all the time")
	require.NotEmpty(t, tr.Cancellations, "and cancels contexts")
	before := tr.Samples[0].TakenAt
	for _, e := range tr.EndedTasks {
		assert.True(t, e.Ended.After(before.Add(-time.Second)), "t:%d ended at %s, before the first stop (%s)", e.Task.ID, e.Ended, before)
	}
	names := map[string]bool{}
	for _, task := range tr.Tasks {
		names[task.Name] = true
	}
	assert.True(t, names["churn-returned"] || names["churn-error"] || names["churn-cancelled"], "%+v", tr.Tasks)
	out.Reset()
	require.NoError(t, term.Execute("diff -group task"))
	assert.Regexp(t, `in between: \d+ tasks ended, \d+ contexts cancelled`, out.String())
	require.NoError(t, c.Close())
	requireRunning(t, tg.Pid)
}
