package terminal

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// slowSession is a session whose snapshot read waits for gate: a slow
// read of a large target.
type slowSession struct {
	*fakeSession
	gate   chan struct{}
	mu     sync.Mutex
	cached *model.Snapshot
	reads  int
}

func (s *slowSession) Snapshot(ctx context.Context, _ model.Progress) (*model.Snapshot, error) {
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	select {
	case <-s.gate:
	case <-ctx.Done():
		return nil, fmt.Errorf("read goroutines: %w", ctx.Err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cached = s.fakeSession.snap
	return s.cached, nil
}

func (s *slowSession) Cached() *model.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cached
}

// TestPrefetchNeverBlocksCompletion: while the background read of a stop
// is under way, Tab answers at once (with no ids); once it is done, Tab
// offers goroutine and task ids without any listing having been run.
func TestPrefetchNeverBlocksCompletion(t *testing.T) {
	s := &slowSession{fakeSession: taskSession(), gate: make(chan struct{})}
	s.fakeSession.snap.Tracker = s.fakeSession.tracker
	term := New(s, io.Discard, io.Discard)
	require.Empty(t, term.Complete("cc "), "nothing is read before the prompt starts its read")

	term.startPrefetch()
	answered := make(chan []string)
	go func() { answered <- term.Complete("cc ") }()
	select {
	case got := <-answered:
		require.Empty(t, got, "the read is not done: nothing to offer yet")
	case <-time.After(time.Minute):
		t.Fatal("Tab waited for the background read")
	}

	close(s.gate)
	require.Eventually(t, func() bool { return s.Cached() != nil }, time.Minute, time.Millisecond)
	require.Equal(t, []string{"cc 1", "cc 7", "cc t:1", "cc t:2"}, term.Complete("cc "))
	require.Equal(t, []string{"cc t:1", "cc t:2"}, term.Complete("cc t:"))
	term.stopPrefetch()

	term.startPrefetch() // the stop is read: no second read
	term.stopPrefetch()
	require.Equal(t, 1, s.reads)
}

// TestPrefetchCancelledByTheNextCommand: a command typed before the
// background read is done cancels it and waits for it, so the two never
// talk to Delve at once.
func TestPrefetchCancelledByTheNextCommand(t *testing.T) {
	s := &slowSession{fakeSession: manyGoroutines(3), gate: make(chan struct{})}
	term := New(s, io.Discard, io.Discard)
	term.startPrefetch()
	require.Eventually(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.reads == 1 }, time.Minute, time.Millisecond)
	term.stopPrefetch() // returns only once Snapshot has returned
	require.Nil(t, s.Cached(), "the cancelled read kept nothing")
	require.Empty(t, term.Complete("where "))
}
