package chains

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// hopText summarizes a hop: "ctx/task how [by g/t alive|exited|?] cause | end".
func hopText(h CancelHop) string {
	s := fmt.Sprintf("%d/%d %s", h.ContextID, h.TaskID, h.How)
	if h.How == model.CancelExplicit {
		fate := "exited"
		if h.CancellerAlive {
			fate = "alive"
		}
		s += fmt.Sprintf(" by %d/%d %s", h.CancellerGoroutine, h.CancellerTask, fate)
	}
	if h.Cause != "" {
		s += " " + h.Cause
	}
	if h.End != "" {
		s += " | " + h.End
	}
	return s
}

func hopTexts(hs []CancelHop) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, hopText(h))
	}
	return out
}

func TestCancelChain(t *testing.T) {
	tr, snap := trackerFixture()
	threeHops := []string{
		"12/6 parent maintenance window",
		"11/0 parent maintenance window",
		"10/0 cancel by 20/5 exited maintenance window | canceller's context not cancelled",
	}
	tests := []struct {
		start string
		want  []string
	}{
		{"t:6", threeHops},
		{"12", threeHops},
		{"t:7", []string{
			"12/7 parent maintenance window",
			"11/0 parent maintenance window",
			"10/0 cancel by 20/5 exited maintenance window | canceller's context not cancelled",
		}},
		{"t:8", []string{"30/8 cancel by 18/8 exited context canceled | canceller cancelled its own context"}},
		{"t:9", []string{"40/9 parent", "41/0 parent | cycle"}},
		{"t:11", []string{"50/11 deadline context deadline exceeded | origin"}},
		{"t:1", []string{}},
	}
	for _, tt := range tests {
		id, err := ParseID(tt.start)
		require.NoError(t, err)
		hops, err := CancelChain(tr, snap, id)
		require.NoError(t, err, tt.start)
		assert.Equal(t, tt.want, hopTexts(hops), tt.start)
	}

	hops, err := CancelChain(tr, snap, ID{Task: 6})
	require.NoError(t, err)
	assert.Equal(t, "main.shutdown", hops[2].Stack[0].Function)
	assert.True(t, hops[2].CancellerKnown)
	assert.Equal(t, "shutdown", hops[2].CancellerRef.Task.Name)
	assert.Equal(t, model.OutcomeReturned, hops[2].CancellerRef.Ended.Outcome)

	_, err = CancelChain(tr, snap, ID{Task: 99999})
	assert.EqualError(t, err, "unknown task 99999")
	var unknown *UnknownTaskError
	assert.True(t, errors.As(err, &unknown))
	_, err = CancelChain(nil, snap, ID{Task: 1})
	assert.ErrorIs(t, err, ErrNoTracker)
	assert.EqualError(t, err, "the target does not use the tracker (github.com/dlv-tasks/dlv-tasks/tracker)")
	_, err = CancelChain(tr, snap, ID{Task: 12})
	assert.ErrorIs(t, err, ErrUntrackedContext)
	_, err = CancelChain(tr, snap, ID{Goroutine: 1})
	assert.EqualError(t, err, "goroutine 1 runs no tracker task (and ran none that is still recorded)")
}

func TestCancelChainFollowsAliveCanceller(t *testing.T) {
	tr, snap := trackerFixture()
	// The canceller task 5 is still alive, and was itself cancelled before
	// it cancelled ctx 10: by main (not in a task) cancelling ctx 60.
	tr.Terminated = tr.Terminated[:2]
	tr.Live = append(tr.Live, model.Task{ID: 5, Name: "shutdown", ParentID: 1, GoroutineID: 20, ContextID: 60, Started: at(20)})
	tr.Cancellations = append(tr.Cancellations, model.Cancellation{ContextID: 60, How: model.CancelExplicit, GoroutineID: 1, Time: at(29), Cause: "SIGTERM", Stack: frames("main.main")})
	snap.Goroutines = append(snap.Goroutines, gr(20, 10, "main.shutdownTask"))
	snap.Sort()
	hops, err := CancelChain(tr, snap, ID{Task: 6})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"12/6 parent maintenance window",
		"11/0 parent maintenance window",
		"10/0 cancel by 20/5 alive maintenance window",
		"60/5 cancel by 1/0 alive SIGTERM | canceller not in a task",
	}, hopTexts(hops))
	assert.Equal(t, int64(20), hops[2].Canceller.ID)

	// A canceller context cancelled after the cancel did not cause it.
	tr.Cancellations[len(tr.Cancellations)-1].Time = at(31)
	hops, err = CancelChain(tr, snap, ID{Task: 6})
	require.NoError(t, err)
	assert.Len(t, hops, 3)
	assert.Equal(t, EndCancellerNotCancelled, hops[2].End)

	// Without a snapshot, a live canceller task still counts as alive.
	hops, err = CancelChain(tr, nil, ID{Task: 6})
	require.NoError(t, err)
	assert.True(t, hops[2].CancellerAlive)
	assert.Nil(t, hops[2].Canceller)
}

func TestCancelChainMissingRecords(t *testing.T) {
	tr, snap := trackerFixture()
	tr.Cancellations = tr.Cancellations[:1] // ctx 11 and 10 left the ring
	hops, err := CancelChain(tr, snap, ID{Task: 6})
	require.NoError(t, err)
	assert.Equal(t, []string{"12/6 parent maintenance window | parent's cancellation no longer recorded"}, hopTexts(hops))

	tr, snap = trackerFixture()
	tr.Terminated = nil // the canceller's record is gone
	hops, err = CancelChain(tr, snap, ID{Task: 6})
	require.NoError(t, err)
	assert.Equal(t, EndCancellerUnknown, hops[2].End)

	tr, snap = trackerFixture()
	tr.Cancellations[1].ParentContextID = 0
	hops, err = CancelChain(tr, snap, ID{Task: 6})
	require.NoError(t, err)
	assert.Equal(t, EndUntrackedParent, hops[1].End)
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]ID{"12": {Goroutine: 12}, "t:7": {Task: 7}} {
		got, err := ParseID(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, in, got.String())
	}
	for in, msg := range map[string]string{
		"0":    `invalid id "0" (want a goroutine id N or a task id t:N)`,
		"abc":  `invalid id "abc" (want a goroutine id N or a task id t:N)`,
		"t:":   `invalid task id "t:" (want t:N, N >= 1)`,
		"t:-1": `invalid task id "t:-1" (want t:N, N >= 1)`,
		"t:0":  `invalid task id "t:0" (want t:N, N >= 1)`,
	} {
		_, err := ParseID(in)
		assert.EqualError(t, err, msg, in)
	}
}
