package dlvclient_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// The scenarios of testdata/tracked (see its main.go), checked on a live
// target and on a kernel core of it.

const (
	vendorlib         = "example.com/tracked/vendorlib"
	trackerStartFn    = "github.com/dlv-tasks/dlv-tasks/tracker.start"
	minReportJobs     = 10
	subscriptionsLeak = 5 // startAuditLog 3 + startMetrics 2
)

// scenarioSession is one way of reaching the tracked target.
type scenarioSession struct {
	name string
	open func(t *testing.T) *dlvclient.Session
}

var scenarioSessions = []scenarioSession{
	{"live", openTrackedLive},
	{"core", openTrackedCore},
}

// openTrackedLive starts testdata/tracked and attaches to it once it is
// ready.
func openTrackedLive(t *testing.T) *dlvclient.Session {
	exe := testutil.BuildTarget(t, "tracked")
	tg := testutil.StartTracedTarget(t, exe, nil, nil)
	s, err := dlvclient.Attach(tg.Pid)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openTrackedCore crashes testdata/tracked once it is ready and opens its
// kernel core.
func openTrackedCore(t *testing.T) *dlvclient.Session {
	exe := testutil.BuildTarget(t, "tracked")
	core, _ := testutil.CrashCore(t, exe, nil, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestTrackedScenarios checks, on a live target and on a kernel core, what
// dlv-tasks knows of each scenario: from the runtime alone (the pile-up
// grouped by creation site and parent, the library leak's creation chains),
// and from the tracker (the silent hang's termination, the cancellation
// chains, the swallowed cancellation, the full history).
func TestTrackedScenarios(t *testing.T) {
	for _, ss := range scenarioSessions {
		t.Run(ss.name, func(t *testing.T) {
			s := ss.open(t)
			snap, err := s.Snapshot(context.Background(), nil)
			require.NoError(t, err)
			t.Run("pile-up", func(t *testing.T) { checkPileUp(t, snap) })
			t.Run("leak", func(t *testing.T) { checkLeak(t, snap) })

			var tr *model.Tracker
			t.Run("tracker", func(t *testing.T) {
				tr, err = s.Tracker(context.Background())
				require.NoError(t, err)
				require.NotNil(t, tr, "the target uses the tracker")
				t.Logf("tracker: %d live, %d terminated, %d cancellations, skipped %v, dropped %d",
					len(tr.Live), len(tr.Terminated), len(tr.Cancellations), tr.Skipped, tr.Dropped)
			})
			if tr == nil {
				return
			}
			t.Run("silent-hang", func(t *testing.T) { checkSilentHang(t, snap, tr) })
			for _, mode := range []string{"alive", "exited"} {
				t.Run("cancel-chain-"+mode, func(t *testing.T) { checkCancelChain(t, snap, tr, mode) })
			}
			t.Run("swallowed", func(t *testing.T) { checkSwallowed(t, snap, tr) })
			t.Run("history", func(t *testing.T) { checkHistory(t, tr) })
		})
	}
}

// goroutinesWithLabel returns the goroutines whose pprof label key has value.
func goroutinesWithLabel(snap *model.Snapshot, key, value string) []*model.Goroutine {
	var out []*model.Goroutine
	for i := range snap.Goroutines {
		if snap.Goroutines[i].Labels[key] == value {
			out = append(out, &snap.Goroutines[i])
		}
	}
	return out
}

// goroutinesStartingIn returns the goroutines whose start function is fn.
func goroutinesStartingIn(snap *model.Snapshot, fn string) []*model.Goroutine {
	var out []*model.Goroutine
	for i := range snap.Goroutines {
		if snap.Goroutines[i].Start.Function == fn {
			out = append(out, &snap.Goroutines[i])
		}
	}
	return out
}

// checkPileUp: the report jobs (pprof label task=report-job, which the
// tracker sets and Delve reads like any label) are at least minReportJobs;
// `ps -group creation` puts them all in one group, at the user's call of the
// tracker in main.reportScheduler (the runtime's go statement is the
// tracker's own); `ps -group parent` names the scheduler's goroutine, blocked in
// main.reportScheduler, as the creator of them all; and `where` on a job
// leads to main.reportScheduler.
func checkPileUp(t *testing.T, snap *model.Snapshot) {
	jobs := goroutinesWithLabel(snap, "task", "report-job")
	require.GreaterOrEqual(t, len(jobs), minReportJobs, "report-job goroutines")
	for _, g := range jobs {
		require.Contains(t, []string{"main.runReportJob", "time.Sleep"}, g.Location.Function, "goroutine %d", g.ID)
		require.Equal(t, "sleep", chains.State(g), "goroutine %d", g.ID)
		require.NotEmpty(t, g.Labels["task.id"], "goroutine %d", g.ID)
	}

	var creation *chains.Group
	for _, gr := range chains.GroupGoroutines(snap.Goroutines, chains.GroupByCreation, "") {
		if containsID(gr.IDs, jobs[0].ID) {
			creation = &gr
			break
		}
	}
	require.NotNil(t, creation, "no creation group holds report job %d", jobs[0].ID)
	require.GreaterOrEqual(t, creation.Count, len(jobs))
	// The runtime's go statement of a tracked task is the tracker's; the
	// creation site is the user's call of the tracker, from the task's
	// creation stack.
	require.Equal(t, trackerStartFn, jobs[0].GoStatement.Function)
	require.Equal(t, "main.reportScheduler", chains.CreationSite(jobs[0]).Function)
	require.True(t, strings.HasPrefix(creation.Key, "main.reportScheduler "), "creation group %q", creation.Key)
	require.Contains(t, creation.Key, "tracked/reports.go:")
	for _, g := range jobs {
		require.True(t, containsID(creation.IDs, g.ID), "report job %d is not in the creation group %q", g.ID, creation.Key)
	}

	sched := goroutinesWithLabel(snap, "task", "report-scheduler")
	require.Len(t, sched, 1)
	require.Equal(t, "main.reportScheduler", sched[0].Location.Function)
	var byParent *chains.Group
	for _, gr := range chains.GroupGoroutines(snap.Goroutines, chains.GroupByParent, "") {
		if gr.Key == "goroutine "+itoa64(sched[0].ID) {
			byParent = &gr
		}
	}
	require.NotNil(t, byParent, "no goroutine has the scheduler %d as parent", sched[0].ID)
	require.Equal(t, len(jobs), byParent.Count, "the scheduler created every live report job, and nothing else")

	chain, err := chains.CreationChain(snap, jobs[len(jobs)-1].ID)
	require.NoError(t, err)
	require.NotEmpty(t, chain)
	require.Equal(t, trackerStartFn, chain[0].GoStatement.Function)
	require.NotNil(t, chain[0].Parent, "the scheduler is alive")
	require.Equal(t, sched[0].ID, chain[0].Parent.ID)
	require.Equal(t, "main.reportScheduler", chain[0].Parent.Location.Function)
}

// checkLeak: vendorlib leaked a manager ((*Subscription).run) and a
// heartbeat per subscription; each heartbeat's creation chain goes through
// the manager (go statement in run) and the library's start (go statement in
// (*Subscription).start) to the goroutine of main.startAuditLog (3) or
// main.startMetrics (2), which was created by main.
func checkLeak(t *testing.T, snap *model.Snapshot) {
	managers := goroutinesStartingIn(snap, vendorlib+".(*Subscription).run")
	beats := goroutinesStartingIn(snap, vendorlib+".(*Subscription).heartbeat")
	require.Len(t, managers, subscriptionsLeak)
	require.Len(t, beats, subscriptionsLeak)

	callers := map[string]int{}
	for _, g := range beats {
		chain, err := chains.CreationChain(snap, g.ID)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(chain), 3, "heartbeat %d: chain %v", g.ID, chain)
		var goStmts []string
		for _, l := range chain {
			goStmts = append(goStmts, l.GoStatement.Function)
		}
		require.Equal(t, vendorlib+".(*Subscription).run", goStmts[0], "heartbeat %d", g.ID)
		require.Equal(t, vendorlib+".(*Subscription).start", goStmts[1], "heartbeat %d", g.ID)
		require.True(t, strings.HasPrefix(goStmts[2], "main."), "heartbeat %d: %v", g.ID, goStmts)

		require.NotNil(t, chain[0].Parent, "heartbeat %d: its manager is alive", g.ID)
		require.Equal(t, vendorlib+".(*Subscription).run", chain[0].Parent.Start.Function)
		caller := chain[1].Parent
		require.NotNil(t, caller, "heartbeat %d: the subscribing component is alive", g.ID)
		require.Equal(t, caller.Start.Function, caller.Location.Function, "heartbeat %d: the caller is still in its start function", g.ID)
		callers[caller.Start.Function]++
		require.NotNil(t, chain[2].Parent, "heartbeat %d: main is alive", g.ID)
		require.Equal(t, int64(1), chain[2].Parent.ID)
	}
	require.Equal(t, map[string]int{"main.startAuditLog": 3, "main.startMetrics": 2}, callers)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }

// liveTasks returns the live tasks named name.
func liveTasks(tr *model.Tracker, name string) []model.Task {
	var out []model.Task
	for _, tk := range tr.Live {
		if tk.Name == name {
			out = append(out, tk)
		}
	}
	return out
}

// terminations returns the termination records of tasks named name.
func terminations(tr *model.Tracker, name string) []model.Termination {
	var out []model.Termination
	for _, e := range tr.Terminated {
		if e.Task.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// cancellationOf returns the cancel record of tracker context id, or nil.
func cancellationOf(tr *model.Tracker, ctxID uint64) *model.Cancellation {
	for i := range tr.Cancellations {
		if tr.Cancellations[i].ContextID == ctxID {
			return &tr.Cancellations[i]
		}
	}
	return nil
}

// hasFrame reports whether stack has a frame in function fn.
func hasFrame(stack []model.Frame, fn string) bool {
	for _, f := range stack {
		if f.Function == fn {
			return true
		}
	}
	return false
}

// checkTaskGoroutine checks that live task tk runs on a live goroutine that
// carries its labels.
func checkTaskGoroutine(t *testing.T, snap *model.Snapshot, tk model.Task) *model.Goroutine {
	t.Helper()
	g := snap.Goroutine(tk.GoroutineID)
	require.NotNil(t, g, "task %d %q: goroutine %d", tk.ID, tk.Name, tk.GoroutineID)
	require.Equal(t, tk.Name, g.Labels["task"], "goroutine %d", g.ID)
	require.Equal(t, strconv.FormatUint(tk.ID, 10), g.Labels["task.id"], "goroutine %d", g.ID)
	require.NotNil(t, g.Task, "the snapshot joins goroutine %d to its task", g.ID)
	require.Equal(t, tk.ID, g.Task.ID, "goroutine %d", g.ID)
	return g
}

// checkSilentHang: "event-watcher" of the persistent group "lifecycle" ended
// with the error "watch stream closed: EOF", its record preserved (and
// listed once); its siblings are alive in the same group.
func checkSilentHang(t *testing.T, snap *model.Snapshot, tr *model.Tracker) {
	ends := terminations(tr, "event-watcher")
	require.Len(t, ends, 1, "one record, preserved and ring copies merged")
	e := ends[0]
	require.Equal(t, model.OutcomeError, e.Outcome)
	require.Equal(t, "watch stream closed: EOF", e.Text)
	require.True(t, e.Preserved)
	require.Equal(t, "lifecycle", e.Task.Group)
	require.NotZero(t, e.Task.GroupID)
	require.Empty(t, e.PanicStack)
	require.Greater(t, e.Duration, time.Duration(0))
	require.False(t, e.Ended.Before(e.Task.Started))
	require.False(t, e.Ended.After(tr.Now), "ended %v after the tracker's now %v", e.Ended, tr.Now)
	require.True(t, hasFrame(e.Task.Created, "main.startLifecycle"), "creation stack %v", e.Task.Created)
	require.Nil(t, snap.Goroutine(e.Task.GoroutineID), "its goroutine %d has exited", e.Task.GoroutineID)
	require.Empty(t, liveTasks(tr, "event-watcher"))

	for _, name := range []string{"health-checker", "config-reloader"} {
		sib := liveTasks(tr, name)
		require.Len(t, sib, 1, name)
		require.Equal(t, e.Task.GroupID, sib[0].GroupID, name)
		require.Equal(t, "lifecycle", sib[0].Group, name)
		g := checkTaskGoroutine(t, snap, sib[0])
		require.Equal(t, "chan receive", chains.State(g), name)
	}
}

// checkCancelChain: the chain's three tasks ended cancelled; their contexts'
// records go grandchild (parent or deadline) → child (parent) → root
// (explicit cancel by the canceller task, in main.shutdown, cause
// "disk full"); the canceller is alive or has exited, as mode says.
func checkCancelChain(t *testing.T, snap *model.Snapshot, tr *model.Tracker, mode string) {
	var ends [3]model.Termination
	for i, level := range []string{"root", "child", "grand"} {
		name := "chain-" + level + "-" + mode
		es := terminations(tr, name)
		require.Len(t, es, 1, name)
		ends[i] = es[0]
		require.Equal(t, model.OutcomeCancelled, es[0].Outcome, name)
		require.Equal(t, "context canceled", es[0].Text, name)
		require.NotZero(t, es[0].Task.ContextID, name)
		require.True(t, hasFrame(es[0].Task.Created, "main.startChains"), "%s: creation stack %v", name, es[0].Task.Created)
	}
	root, child, grand := ends[0].Task.ContextID, ends[1].Task.ContextID, ends[2].Task.ContextID

	c := cancellationOf(tr, grand)
	require.NotNil(t, c, "grandchild context %d has a cancel record", grand)
	require.Contains(t, []string{model.CancelParent, model.CancelDeadline}, c.How)
	require.Equal(t, child, c.ParentContextID)
	require.Equal(t, "disk full", c.Cause)
	require.Empty(t, c.Stack)

	b := cancellationOf(tr, child)
	require.NotNil(t, b, "child context %d has a cancel record", child)
	require.Equal(t, model.CancelParent, b.How)
	require.Equal(t, root, b.ParentContextID)
	require.Equal(t, "disk full", b.Cause)

	a := cancellationOf(tr, root)
	require.NotNil(t, a, "root context %d has a cancel record", root)
	require.Equal(t, model.CancelExplicit, a.How)
	require.Zero(t, a.ParentContextID)
	require.Equal(t, "disk full", a.Cause)
	require.NotEmpty(t, a.Stack)
	require.Equal(t, "main.shutdown", a.Stack[0].Function, "canceller stack %v", a.Stack)
	require.True(t, hasFrame(a.Stack, "main.(*chain).canceller"), "canceller stack %v", a.Stack)
	require.NotZero(t, a.GoroutineID)
	require.NotZero(t, a.TaskID)
	require.False(t, a.Time.After(c.Time.Add(time.Second)))

	canceller := "canceller-" + mode
	if mode == "alive" {
		live := liveTasks(tr, canceller)
		require.Len(t, live, 1)
		require.Equal(t, a.TaskID, live[0].ID)
		require.Equal(t, a.GoroutineID, live[0].GoroutineID)
		checkTaskGoroutine(t, snap, live[0])
		return
	}
	es := terminations(tr, canceller)
	require.Len(t, es, 1)
	require.Equal(t, a.TaskID, es[0].Task.ID)
	require.Equal(t, a.GoroutineID, es[0].Task.GoroutineID)
	require.Equal(t, model.OutcomeReturned, es[0].Outcome)
	require.Nil(t, snap.Goroutine(a.GoroutineID), "the canceller's goroutine has exited")
}

// checkSwallowed: "stubborn-flusher" is alive, blocked in main.stubbornFlusher,
// under the alive chain's grandchild context, which is cancelled.
func checkSwallowed(t *testing.T, snap *model.Snapshot, tr *model.Tracker) {
	fl := liveTasks(tr, "stubborn-flusher")
	require.Len(t, fl, 1)
	g := checkTaskGoroutine(t, snap, fl[0])
	require.Equal(t, "main.stubbornFlusher", g.Location.Function)
	require.Equal(t, "chan receive", chains.State(g))

	grand := terminations(tr, "chain-grand-alive")
	require.Len(t, grand, 1)
	require.Equal(t, grand[0].Task.ContextID, fl[0].ContextID, "the flusher runs under the grandchild context")
	c := cancellationOf(tr, fl[0].ContextID)
	require.NotNil(t, c, "the flusher's context was cancelled")
	require.Equal(t, "disk full", c.Cause)
	require.True(t, c.Time.After(fl[0].Started), "cancelled after the flusher started")
}

// checkHistory: the target ended 1000 batch items before the scenarios, so
// the terminated ring (1000 records) is full, newest first.
func checkHistory(t *testing.T, tr *model.Tracker) {
	require.GreaterOrEqual(t, len(tr.Terminated), 1000)
	require.GreaterOrEqual(t, len(terminations(tr, "batch-item")), 1000-20)
	for i := 1; i < len(tr.Terminated); i++ {
		if tr.Terminated[i].Preserved {
			continue
		}
		require.False(t, tr.Terminated[i].Ended.After(tr.Terminated[i-1].Ended.Add(time.Second)),
			"record %d ended long after record %d, which is listed before it", i, i-1)
	}
	var live int
	for _, tk := range tr.Live {
		if tk.Name == "report-job" {
			live++
		}
	}
	require.GreaterOrEqual(t, live, minReportJobs)
}
