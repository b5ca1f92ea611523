package render

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func frames(fns ...string) []model.Frame {
	var out []model.Frame
	for i, fn := range fns {
		out = append(out, model.Frame{Location: loc(fn, 10*(i+1))})
	}
	return out
}

// trackerFixture: server t:1 (g 10) started a persistent group "pg" with a
// poller (t:2, g 11) and a watcher (t:3) that returned an error; main.shutdown
// in t:5 (ended) cancelled ctx 10 with a cause; ctx 12 (t:6 inner, g 12,
// still running) derives from it through ctx 11.
func trackerFixture() (*model.Tracker, *model.Snapshot) {
	tr := &model.Tracker{
		Version: 1, Now: at(60),
		Live: []model.Task{
			{ID: 1, Name: "server", GoroutineID: 10, ContextID: 1, Started: at(0)},
			{ID: 2, Name: "poller", ParentID: 1, Group: "pg", GroupID: 1, GoroutineID: 11, ContextID: 1, Started: at(1)},
			{ID: 6, Name: "inner", ParentID: 1, GoroutineID: 12, ContextID: 12, Started: at(2)},
		},
		Terminated: []model.Termination{
			{Task: model.Task{ID: 8, Name: "fails", ParentID: 1, GoroutineID: 18, ContextID: 1, Started: at(1)},
				Outcome: model.OutcomePanic, Text: "boom\nsecond line", PanicStack: frames("runtime.gopanic", "main.fails"), Ended: at(40), Duration: 39 * time.Second},
			{Task: model.Task{ID: 5, Name: "shutdown", ParentID: 1, GoroutineID: 20, ContextID: 1, Started: at(20)},
				Outcome: model.OutcomeReturned, Ended: at(30), Duration: 10 * time.Second},
			{Task: model.Task{ID: 3, Name: "watcher", ParentID: 1, Group: "pg", GroupID: 1, GoroutineID: 19, ContextID: 12, Started: at(1),
				Created: frames("main.startWatchers", "main.server")},
				Outcome: model.OutcomeError, Text: "watch: connection reset", Ended: at(5), Duration: 4 * time.Second, Preserved: true},
		},
		Cancellations: []model.Cancellation{
			{ContextID: 12, ParentContextID: 11, How: model.CancelParent, Time: at(30), Cause: "maintenance window"},
			{ContextID: 11, ParentContextID: 10, How: model.CancelParent, Time: at(30), Cause: "maintenance window"},
			{ContextID: 10, How: model.CancelExplicit, GoroutineID: 20, TaskID: 5, Time: at(30), Cause: "maintenance window",
				Stack: frames("main.shutdown", "main.run")},
		},
		Skipped: map[string]int{"mid-write": 2},
	}
	snap := &model.Snapshot{Tracker: tr}
	for _, t := range tr.Live {
		task := t
		snap.Goroutines = append(snap.Goroutines, model.Goroutine{
			ID: t.GoroutineID, ParentID: 1, Status: model.StatusWaiting, WaitReason: "chan receive",
			Location: loc("main."+t.Name, 100+int(t.ID)), Task: &task,
		})
	}
	return tr, snap
}

func TestPsTerminated(t *testing.T) {
	tr, _ := trackerFixture()
	var b strings.Builder
	require.NoError(t, PsTerminated(&b, tr, tr.Terminated))
	assert.Equal(t, `3 terminated tasks (showing 3), newest first; newest tracker record at 12:01:00.000
TASK  NAME      GROUP  OUTCOME   TEXT                     ENDED                   DURATION  PRESERVED
t:8   fails     -      panic     boom\nsecond line        12:00:40.000 (20s ago)  39s       -
t:5   shutdown  -      returned  -                        12:00:30.000 (30s ago)  10s       -
t:3   watcher   pg     error     watch: connection reset  12:00:05.000 (55s ago)  4s        yes
`, b.String())
}

func TestWhereTerminated(t *testing.T) {
	tr, snap := trackerFixture()
	x := chains.NewTaskIndex(tr, snap)
	ref, err := x.Resolve(chains.ID{Task: 3})
	require.NoError(t, err)
	hops, err := x.CancelChain(chains.ID{Task: 3})
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, WhereTerminated(&b, tr, ref.Ended, x.CreationChain(3), hops))
	assert.Equal(t, `Task t:3 watcher ended: error, 12:00:05.000 (55s ago), after 4s (preserved)
  group: pg (group 1)
  goroutine: 19 (exited)
  started: 12:00:01.000 (59s ago)
  error: watch: connection reset

Created at:
  0  main.startWatchers
     at /home/u/app/cmd/main.go:10
  1  main.server
     at /home/u/app/cmd/main.go:20

Creation chain (parent tasks, nearest first):
  t:1 server [running as goroutine 10: chan receive at main.server cmd/main.go:101]

Cancellation chain of t:3 watcher (context 12), origin last:
  1. context 12 (of t:3) cancelled because its parent context 11 was, 12:00:30.000 (30s ago)
     cause: maintenance window
  2. context 11 cancelled because its parent context 10 was, 12:00:30.000 (30s ago)
     cause: maintenance window
  3. context 10 cancelled by goroutine 20 (exited) in t:5 shutdown [ended: returned, 30s ago], 12:00:30.000 (30s ago)
     cause: maintenance window
     canceller stack:
       0  main.shutdown
          at /home/u/app/cmd/main.go:10
       1  main.run
          at /home/u/app/cmd/main.go:20
     origin: the canceller's own context was not cancelled
`, b.String())

	ref, err = x.Resolve(chains.ID{Goroutine: 18})
	require.NoError(t, err)
	b.Reset()
	require.NoError(t, WhereTerminated(&b, tr, ref.Ended, nil, nil))
	assert.Equal(t, `Task t:8 fails ended: panic, 12:00:40.000 (20s ago), after 39s
  goroutine: 18 (exited)
  started: 12:00:01.000 (59s ago)
  panic: boom\nsecond line

Panic stack:
  0  runtime.gopanic
     at /home/u/app/cmd/main.go:10
  1  main.fails
     at /home/u/app/cmd/main.go:20

Created at:
  (no frames)

Creation chain (parent tasks, nearest first):
  (none: started outside any task)
`, b.String())
}

func TestCancelChainNotCancelledAndAliveCanceller(t *testing.T) {
	tr, snap := trackerFixture()
	var b strings.Builder
	require.NoError(t, CancelChain(&b, tr, &tr.Live[0], nil))
	assert.Equal(t, "Cancellation: the context of t:1 server (context 1) is not cancelled (as far as the tracker's history goes).\n", b.String())

	// The canceller, alive, runs outside any task.
	tr.Cancellations[2].TaskID, tr.Cancellations[2].GoroutineID = 0, 10
	hops, err := chains.CancelChain(tr, snap, chains.ID{Goroutine: 12})
	require.NoError(t, err)
	b.Reset()
	require.NoError(t, CancelChain(&b, tr, &tr.Live[2], hops[2:]))
	assert.Equal(t, `Cancellation chain of t:6 inner (context 12), origin last:
  1. context 10 cancelled by goroutine 10 (alive: chan receive at main.server cmd/main.go:101) outside any task, 12:00:30.000 (30s ago)
     cause: maintenance window
     canceller stack:
       0  main.shutdown
          at /home/u/app/cmd/main.go:10
       1  main.run
          at /home/u/app/cmd/main.go:20
     origin: the canceller runs outside any task
`, b.String())
	docs := NewCancelHopDocs(tr, hops)
	require.Len(t, docs, 3)
	assert.Equal(t, uint64(11), docs[0].ParentContextID)
	assert.True(t, docs[2].CancellerAlive)
	assert.Nil(t, docs[2].Canceller)
	assert.Equal(t, 30*time.Second, docs[2].Ago)
}

func TestContextChains(t *testing.T) {
	var b strings.Builder
	require.NoError(t, ContextChains(&b, 12, []model.ContextChain{
		{Frame: 1, Function: "main.worker", Variable: "ctx", Cancelled: 1, Path: []model.ContextNode{
			{Type: "*context.valueCtx", Addr: 0xc000010000},
			{Type: "*context.timerCtx", Addr: 0xc000010100, Err: "context deadline exceeded", Deadline: at(9)},
			{Type: "*context.cancelCtx", Addr: 0xc000010200, Err: "context canceled", Cause: "shutdown"},
			{Type: "context.backgroundCtx"},
		}},
		{Frame: 3, Function: "main.main", Variable: "root", Cancelled: -1, Path: []model.ContextNode{{Type: "context.backgroundCtx"}}},
	}))
	assert.Equal(t, `Goroutine 12: 2 context variables in its frames (without the tracker, who cancelled is not recorded)
  frame 1 main.worker, ctx: cancelled at *context.timerCtx (context deadline exceeded)
    0  *context.valueCtx 0xc000010000
    1  *context.timerCtx 0xc000010100  <- first cancelled: context deadline exceeded, deadline 12:00:09.000
    2  *context.cancelCtx 0xc000010200  cancelled: context canceled, cause: shutdown
    3  context.backgroundCtx
  frame 3 main.main, root: not cancelled
    0  context.backgroundCtx
`, b.String())
}

func TestSwallowedTable(t *testing.T) {
	tr, snap := trackerFixture()
	ss := chains.SwallowedCancellations(tr, snap)
	var b strings.Builder
	require.NoError(t, Swallowed(&b, tr, ss))
	assert.Equal(t, `1 goroutine still running after its context was cancelled (swallowed cancellations)
GOROUTINE  TASK       CANCELLED               HOW     CAUSE               STATE         WHERE
12         t:6 inner  12:00:30.000 (30s ago)  parent  maintenance window  chan receive  main.inner cmd/main.go:106
`, b.String())
	docs := NewSwallowedDocs(ss)
	require.Len(t, docs, 1)
	assert.Equal(t, 30*time.Second, docs[0].Ago)
	assert.Equal(t, []model.Frame{}, docs[0].Task.Created)

	b.Reset()
	require.NoError(t, Swallowed(&b, nil, nil))
	assert.Equal(t, "0 goroutines still running after their contexts were cancelled (swallowed cancellations)\n", b.String())
}

func TestTaskTree(t *testing.T) {
	tr, snap := trackerFixture()
	tr.Live = append(tr.Live,
		model.Task{ID: 7, Name: "child-of-ended", ParentID: 5},
		model.Task{ID: 9, Name: "top-grouped", Group: "eg", GroupID: 4},
		model.Task{ID: 10, Name: "top-grouped", Group: "eg", GroupID: 4})
	var b strings.Builder
	require.NoError(t, TaskTree(&b, tr, chains.BuildTaskTree(tr, snap)))
	assert.Equal(t, `t:1 server [chan receive in main.server] (goroutine 10)
├─ t:5 shutdown (ended: returned, 30s ago)
│  └─ t:7 child-of-ended [running]
├─ t:6 inner [chan receive in main.inner] (goroutine 12)
└─ group 1 pg
   └─ t:2 poller [chan receive in main.poller] (goroutine 11)
group 4 eg
├─ t:9 top-grouped [running]
└─ t:10 top-grouped [running]
`, b.String())
	doc := NewTaskForestDoc(chains.BuildTaskTree(tr, snap))
	require.Len(t, doc.Tasks, 1)
	require.Len(t, doc.Groups, 1)
	assert.Equal(t, "pg", doc.Tasks[0].Groups[0].Name)
	assert.Equal(t, "returned", doc.Tasks[0].Children[0].Outcome)
}

func TestTaskJSONDocs(t *testing.T) {
	tr, _ := trackerFixture()
	var b strings.Builder
	require.NoError(t, JSON(&b, NewPsTerminatedDoc(tr, tr.Terminated[2:])))
	s := b.String()
	for _, want := range []string{`"now": "2025-03-01T12:01:00Z"`, `"total": 3`, `"mid-write": 2`, `"ago_ns": 55000000000`,
		`"outcome": "error"`, `"text": "watch: connection reset"`, `"preserved": true`, `"panic_stack": []`, `"group": "pg"`} {
		assert.Contains(t, s, want)
	}
}

func TestContextChainsIncomplete(t *testing.T) {
	var b strings.Builder
	require.NoError(t, ContextChains(&b, 7, []model.ContextChain{
		{Frame: 1, Function: "main.deep", Variable: "ctx", Cancelled: -1, Incomplete: "walk cut after 100000 contexts (depth bound)",
			Path: []model.ContextNode{{Type: "*context.valueCtx", Addr: 0xc000010000}}},
		{Frame: 2, Function: "main.bad", Variable: "ctx", Cancelled: -1, Incomplete: "context *context.cancelCtx at 0x1000 is unreadable: EIO",
			Path: []model.ContextNode{{Type: "*context.cancelCtx", Addr: 0x1000, Unreadable: "EIO"}}},
		{Frame: 3, Function: "main.ok", Variable: "ctx", Cancelled: 0, Incomplete: "walk cut by its time budget after 1 contexts",
			Path: []model.ContextNode{{Type: "*context.cancelCtx", Addr: 0xc000020000, Err: "context canceled"}}},
	}))
	assert.Equal(t, `Goroutine 7: 3 context variables in its frames (without the tracker, who cancelled is not recorded)
  frame 1 main.deep, ctx: not known: walk cut after 100000 contexts (depth bound)
    0  *context.valueCtx 0xc000010000
  frame 2 main.bad, ctx: not known: context *context.cancelCtx at 0x1000 is unreadable: EIO
    0  *context.cancelCtx 0x1000  unreadable: EIO
  frame 3 main.ok, ctx: cancelled at *context.cancelCtx (context canceled)
    (path incomplete: walk cut by its time budget after 1 contexts)
    0  *context.cancelCtx 0xc000020000  <- first cancelled: context canceled
`, b.String())
}
