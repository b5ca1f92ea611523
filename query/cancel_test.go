package query

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestCancelChainFromTracker(t *testing.T) {
	for _, id := range []chains.ID{{Task: 6}, {Goroutine: 12}} {
		src := trackedSource(false)
		d, err := New(src).CancelChain(bg, id)
		require.NoError(t, err, id)
		c := d.(*CancelChainDoc)
		require.NotNil(t, c.Task)
		assert.EqualValues(t, 6, c.Task.Task.ID)
		require.Len(t, c.Hops, 3, "ctx 12 ← 11 ← 10, cancelled by task 5")
		assert.Zero(t, src.contextReads)
		assert.Contains(t, text(t, d), "maintenance window")
		doc := jsonOf(t, d).(map[string]any)
		assert.NotNil(t, doc["task"])
		assert.Len(t, doc["hops"], 3)
		assert.Equal(t, []any{}, doc["contexts"])
	}
	// An ended task's chain too.
	d, err := New(trackedSource(true)).CancelChain(bg, chains.ID{Task: 7})
	require.NoError(t, err)
	assert.Len(t, d.(*CancelChainDoc).Hops, 3)
}

func TestCancelChainFallsBackToFrameContexts(t *testing.T) {
	// Task 12 runs under a context the tracker does not record.
	src := trackedSource(true)
	src.contexts = map[int64][]model.ContextChain{15: cancelledContexts()}
	d, err := New(src).CancelChain(bg, chains.ID{Task: 12})
	require.NoError(t, err)
	c := d.(*CancelChainDoc)
	assert.Nil(t, c.Task)
	assert.EqualValues(t, 15, c.Goroutine)
	assert.Equal(t, cancelledContexts(), c.Contexts)
	require.Len(t, d.Notes(), 1)
	assert.Contains(t, d.Notes()[0], "plain runs under a context the tracker does not record")
	assert.Contains(t, text(t, d), "shutting down")
	doc := jsonOf(t, d).(map[string]any)
	assert.Nil(t, doc["task"])
	assert.Equal(t, []any{}, doc["hops"])

	// Goroutine 1 runs no task.
	d, err = New(src).CancelChain(bg, chains.ID{Goroutine: 1})
	require.NoError(t, err)
	c = d.(*CancelChainDoc)
	assert.EqualValues(t, 1, c.Goroutine)
	assert.Empty(t, d.Notes())
	assert.Equal(t, []any{}, jsonOf(t, d).(map[string]any)["contexts"], "no contexts: an empty list, not null")

	// Without the tracker, a goroutine's frames answer.
	plain := &fakeSource{snap: plainFixture(2), contexts: map[int64][]model.ContextChain{2: cancelledContexts()}}
	d, err = New(plain).CancelChain(bg, chains.ID{Goroutine: 2})
	require.NoError(t, err)
	assert.Len(t, d.(*CancelChainDoc).Contexts, 1)
}

func TestCancelChainErrors(t *testing.T) {
	plain := &fakeSource{snap: plainFixture(2), contextsErr: map[int64]error{2: errBoom}}
	_, err := New(plain).CancelChain(bg, chains.ID{Task: 1})
	assert.ErrorIs(t, err, chains.ErrNoTracker)
	_, err = New(plain).CancelChain(bg, chains.ID{Goroutine: 77})
	assert.ErrorIs(t, err, model.ErrUnknownGoroutine)
	_, err = New(plain).CancelChain(bg, chains.ID{Goroutine: 2})
	assert.ErrorIs(t, err, errBoom)

	src := trackedSource(true)
	_, err = New(src).CancelChain(bg, chains.ID{Task: 99})
	assert.EqualError(t, err, "unknown task 99")
	_, err = New(src).CancelChain(bg, chains.ID{Goroutine: 424242})
	assert.Error(t, err)

	// Task 2's context was never cancelled: an answer, not an error.
	d, err := New(src).CancelChain(bg, chains.ID{Task: 2})
	require.NoError(t, err)
	assert.Empty(t, d.(*CancelChainDoc).Hops)

	// Task 12's context is untracked and its goroutine is not in the
	// snapshot: no frames to fall back to.
	src.snap.Goroutines = src.snap.Goroutines[:1]
	_, err = New(src).CancelChain(bg, chains.ID{Task: 12})
	assert.ErrorIs(t, err, chains.ErrUntrackedContext)
	assert.Contains(t, err.Error(), "t:12 plain: ", "the error names the task")

	src.snapErr = errBoom
	_, err = New(src).CancelChain(bg, chains.ID{Task: 2})
	assert.ErrorIs(t, err, errBoom)
}
