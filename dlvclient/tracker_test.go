package dlvclient_test

import (
	"context"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// hasFunction reports whether a frame of stack is in function fn.
func stackHas(stack []model.Frame, fn string) bool {
	for _, f := range stack {
		if f.Function == fn {
			return true
		}
	}
	return false
}

func stackFuncs(stack []model.Frame) string {
	var out []string
	for _, f := range stack {
		out = append(out, f.Function)
	}
	return strings.Join(out, " < ")
}

// checkTrackread asserts everything testdata/trackread recorded.
func checkTrackread(t *testing.T, tr *model.Tracker) {
	t.Helper()
	require.NotNil(t, tr, "trackread uses the tracker")
	require.Equal(t, 1, tr.Version)
	require.Empty(t, tr.Skipped, "a stopped, idle target has no torn records")
	require.WithinDuration(t, time.Now(), tr.Now, time.Minute)

	live := map[string]model.Task{}
	for _, tk := range tr.Live {
		live[tk.Name] = tk
	}
	require.Len(t, live, 2, "live tasks: %+v", tr.Live)
	for _, name := range []string{"live-sleeper", "event-loop"} {
		tk, ok := live[name]
		require.True(t, ok, "live task %s", name)
		require.NotZero(t, tk.GoroutineID, name)
		require.True(t, stackHas(tk.Created, "main.startLive"), "%s created at %s", name, stackFuncs(tk.Created))
	}
	require.Equal(t, "daemons", live["event-loop"].Group)
	require.NotZero(t, live["event-loop"].GroupID)
	require.Empty(t, live["live-sleeper"].Group)

	ended := map[string]model.Termination{}
	for _, e := range tr.Terminated {
		_, dup := ended[e.Task.Name]
		require.False(t, dup, "task %s listed twice", e.Task.Name)
		ended[e.Task.Name] = e
		require.GreaterOrEqual(t, e.Duration, time.Duration(0))
		require.False(t, e.Ended.Before(e.Task.Started))
	}
	for i := 1; i < len(tr.Terminated); i++ {
		require.False(t, tr.Terminated[i].Ended.After(tr.Terminated[i-1].Ended.Add(time.Millisecond)), "newest first")
	}
	want := map[string][2]string{
		"quick": {model.OutcomeReturned, ""}, "failing": {model.OutcomeError, "disk full"},
		"exiter": {model.OutcomeGoexit, ""}, "parent": {model.OutcomeReturned, ""}, "child": {model.OutcomeReturned, ""},
		"warm-cache": {model.OutcomeCancelled, "context canceled"}, "load-config": {model.OutcomeError, "config: missing key"},
		"victim": {model.OutcomeCancelled, "context canceled"},
	}
	require.Len(t, ended, len(want), "terminated: %v", tr.Terminated)
	for name, w := range want {
		e, ok := ended[name]
		require.True(t, ok, "terminated task %s", name)
		require.Equal(t, w[0], e.Outcome, name)
		require.Equal(t, w[1], e.Text, name)
		require.Equal(t, name == "failing", e.Preserved, name)
		require.NotZero(t, e.Task.GoroutineID, name)
	}
	for name, fn := range map[string]string{"quick": "main.startEnded", "failing": "main.startEnded", "exiter": "main.startEnded",
		"parent": "main.startParentChild", "child": "main.spawnChild", "victim": "main.startChain"} {
		require.True(t, stackHas(ended[name].Task.Created, fn), "%s created at %s, want %s", name, stackFuncs(ended[name].Task.Created), fn)
	}
	require.Equal(t, ended["parent"].Task.ID, ended["child"].Task.ParentID)
	require.Zero(t, ended["parent"].Task.ParentID)
	require.Equal(t, "startup", ended["load-config"].Task.Group)
	require.Equal(t, ended["load-config"].Task.GroupID, ended["warm-cache"].Task.GroupID)

	cancels := map[uint64]model.Cancellation{}
	for _, c := range tr.Cancellations {
		cancels[c.ContextID] = c
	}
	require.Len(t, cancels, 4, "cancellations: %+v", tr.Cancellations)
	// The errgroup: cancelled by its failing task.
	g, ok := cancels[ended["load-config"].Task.ContextID]
	require.True(t, ok, "group context cancelled")
	require.Equal(t, model.CancelExplicit, g.How)
	require.Equal(t, ended["load-config"].Task.ID, g.TaskID)
	require.Equal(t, "config: missing key", g.Cause)
	// The chain: victim's timeout context <- middle <- origin.
	inner, ok := cancels[ended["victim"].Task.ContextID]
	require.True(t, ok, "victim's context cancelled")
	require.Equal(t, model.CancelParent, inner.How)
	middle, ok := cancels[inner.ParentContextID]
	require.True(t, ok, "middle context cancelled")
	require.Equal(t, model.CancelParent, middle.How)
	origin, ok := cancels[middle.ParentContextID]
	require.True(t, ok, "origin cancelled")
	require.Equal(t, model.CancelExplicit, origin.How)
	require.Zero(t, origin.ParentContextID)
	require.Equal(t, int64(1), origin.GoroutineID, "main cancelled the origin")
	require.Zero(t, origin.TaskID)
	require.Equal(t, "operator requested shutdown", origin.Cause)
	require.Equal(t, "operator requested shutdown", middle.Cause)
	require.Equal(t, "operator requested shutdown", inner.Cause)
	require.True(t, stackHas(origin.Stack, "main.shutdownOrigin"), "canceller stack %s", stackFuncs(origin.Stack))
	require.Empty(t, inner.Stack)
	require.False(t, origin.Time.After(middle.Time))
}

// checkJoin asserts that the snapshot's goroutines carry their live tasks.
func checkJoin(t *testing.T, s *dlvclient.Session) {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.NoError(t, s.TrackerError())
	require.NotNil(t, snap.Tracker)
	joined := 0
	for _, g := range snap.Goroutines {
		if g.Task == nil {
			continue
		}
		joined++
		require.Equal(t, g.ID, g.Task.GoroutineID)
		require.Equal(t, g.Task.Name, g.Labels["task"])
		require.Equal(t, strconv.FormatUint(g.Task.ID, 10), g.Labels["task.id"])
	}
	require.Equal(t, 2, joined)
}

func TestTrackerLive(t *testing.T) {
	exe := testutil.BuildTarget(t, "trackread")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	tr, err := s.Tracker(context.Background())
	require.NoError(t, err)
	checkTrackread(t, tr)
	again, err := s.Tracker(context.Background())
	require.NoError(t, err)
	require.Same(t, tr, again, "cached until the target runs")
	reads, bytes, problems := s.TrackerStats()
	t.Logf("tracker read: %d reads, %d bytes, problems %v", reads, bytes, problems)
	checkJoin(t, s)
}

func TestTrackerCore(t *testing.T) {
	exe := testutil.BuildTarget(t, "trackread")
	core, _ := testutil.CrashCore(t, exe, nil, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	tr, err := s.Tracker(context.Background())
	require.NoError(t, err)
	checkTrackread(t, tr)
	checkJoin(t, s)
}

func TestTrackerAbsent(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTracedTarget(t, exe, zooArgs, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()
	tr, err := s.Tracker(context.Background())
	require.NoError(t, err)
	require.Nil(t, tr)
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.Nil(t, snap.Tracker)
	require.NoError(t, s.TrackerError())
}

// churnNames are the task names testdata/churn uses, with their possible
// outcomes and texts.
var churnNames = map[string]bool{"churn-returned": true, "churn-error": true, "churn-cancelled": true, "churn-goexit": true, "churn-member": true}

var churnTexts = map[string]bool{"": true, "churn error": true, "context canceled": true}

var churnCauses = map[string]bool{"churn cause": true, "context canceled": true, "churn error": true}

// checkChurnRecords asserts that every record read from testdata/churn is
// one the program can have written.
func checkChurnRecords(t *testing.T, tr *model.Tracker) {
	t.Helper()
	checkTask := func(tk model.Task) {
		require.True(t, churnNames[tk.Name], "task name %q", tk.Name)
		require.NotZero(t, tk.ID)
		require.Less(t, tk.ParentID, tk.ID)
		require.Equal(t, tk.Name == "churn-member", tk.Group == "churn-group", "group %q of %q", tk.Group, tk.Name)
		require.Equal(t, tk.Group != "", tk.GroupID != 0)
		require.NotZero(t, tk.ContextID, "every churn task runs on a tracker context")
		require.NotEmpty(t, tk.Created)
		require.True(t, tk.Started.After(time.Now().Add(-time.Hour)) && tk.Started.Before(time.Now().Add(time.Minute)), "start %v", tk.Started)
	}
	for _, tk := range tr.Live {
		checkTask(tk)
	}
	for _, e := range tr.Terminated {
		checkTask(e.Task)
		require.True(t, churnTexts[e.Text], "text %q", e.Text)
		require.GreaterOrEqual(t, e.Duration, time.Duration(0))
		switch e.Task.Name {
		case "churn-returned":
			require.Equal(t, model.OutcomeReturned, e.Outcome)
		case "churn-error":
			require.Equal(t, model.OutcomeError, e.Outcome)
			require.Equal(t, "churn error", e.Text)
		case "churn-cancelled":
			require.Equal(t, model.OutcomeCancelled, e.Outcome)
			require.Equal(t, "context canceled", e.Text)
		case "churn-goexit":
			require.Equal(t, model.OutcomeGoexit, e.Outcome)
		case "churn-member":
			require.Contains(t, []string{model.OutcomeReturned, model.OutcomeError, model.OutcomeCancelled}, e.Outcome)
		}
	}
	for _, c := range tr.Cancellations {
		require.NotZero(t, c.ContextID)
		require.Less(t, c.ParentContextID, c.ContextID)
		require.True(t, churnCauses[c.Cause], "cause %q", c.Cause)
		switch c.How {
		case model.CancelExplicit:
			require.NotZero(t, c.GoroutineID)
			require.NotEmpty(t, c.Stack)
		case model.CancelParent:
			require.NotZero(t, c.ParentContextID, "a parent-cancelled churn context has a tracker parent")
			require.Empty(t, c.Stack)
		default:
			t.Fatalf("how %q: churn's deadlines are an hour away", c.How)
		}
	}
	for reason := range tr.Skipped {
		require.Contains(t, []string{"mid-write", "corrupt"}, reason)
	}
	require.Zero(t, tr.Skipped["corrupt"], "a live target's records are never corrupt")
}

// TestTrackerChurnHalts is scenario 6: the target rewrites its records at
// full speed and is halted at random moments; every record read is valid
// or counted as skipped.
func TestTrackerChurnHalts(t *testing.T) {
	exe := testutil.BuildTarget(t, "churn")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	defer s.Close()

	const halts = 200
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	deadline := time.Now().Add(50 * time.Second)
	var caught, records, skipped, done int
	var readTime time.Duration
	for i := 0; i < halts && time.Now().Before(deadline); i++ {
		wait := time.Duration(rng.Intn(21)) * time.Millisecond
		halted := make(chan error, 1)
		continued := make(chan struct{})
		go func() {
			// A halt that reaches Delve before the continue does is lost:
			// repeat it until Continue returns.
			time.Sleep(wait)
			for {
				if _, err := s.Halt(); err != nil {
					halted <- err
					return
				}
				select {
				case <-continued:
					halted <- nil
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
		_, err := s.Continue()
		close(continued)
		require.NoError(t, err, "continue %d", i)
		require.NoError(t, <-halted, "halt %d", i)
		start := time.Now()
		tr, err := s.Tracker(context.Background())
		readTime += time.Since(start)
		require.NoError(t, err, "halt %d", i)
		require.NotNil(t, tr)
		checkChurnRecords(t, tr)
		records += len(tr.Live) + len(tr.Terminated) + len(tr.Cancellations)
		skipped += tr.Skipped["mid-write"]
		if tr.Skipped["mid-write"] > 0 {
			caught++
		}
		done++
	}
	require.GreaterOrEqual(t, done, halts/raceSlowdown, "halts within the time limit (all of them, but for the race detector's slowdown)")
	t.Logf("%d halts: %d records read, %d skipped mid-write, %d halts caught records mid-write; tracker read %v per halt",
		done, records, skipped, caught, readTime/time.Duration(done))
}

// TestTrackerPanicCore reads the record of a task whose panic crashed the
// program, from the crash's core dump.
func TestTrackerPanicCore(t *testing.T) {
	exe := testutil.BuildTarget(t, "trackread")
	core, traceback := testutil.CrashCore(t, exe, []string{"-panic-on-quit"}, nil)
	require.Contains(t, string(traceback), "boom: invariant violated")
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	tr, err := s.Tracker(context.Background())
	require.NoError(t, err)
	require.NotNil(t, tr)
	require.NotEmpty(t, tr.Terminated)
	p := tr.Terminated[0]
	require.Equal(t, "panicker", p.Task.Name, "the newest record is the panic")
	require.Equal(t, model.OutcomePanic, p.Outcome)
	require.Equal(t, "boom: invariant violated", p.Text)
	require.True(t, stackHas(p.PanicStack, "main.explode"), "panic stack %s", stackFuncs(p.PanicStack))
	require.True(t, stackHas(p.Task.Created, "main.panicOnQuit.func1"), "created at %s", stackFuncs(p.Task.Created))
	for _, tk := range tr.Live {
		require.NotEqual(t, "panicker", tk.Name, "the panicked task is no longer live")
	}
}
