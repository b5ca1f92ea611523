package terminal

import (
	"context"
	"errors"
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// tracker returns the target's tracker read (cached by the session until
// the target runs), or nil, nil when the target does not use the tracker.
func (t *Terminal) tracker(ctx context.Context) (*model.Tracker, error) {
	tr, err := t.session.Tracker(ctx)
	if errors.Is(err, context.Canceled) {
		return nil, errors.New("interrupted")
	}
	return tr, err
}

// requireHistory is requireTracker for commands that need only ended tasks
// and cancellations: it skips the live arena (Live is empty).
func (t *Terminal) requireHistory(ctx context.Context, cmd string) (*model.Tracker, error) {
	tr, err := t.session.TrackerHistory(ctx)
	if errors.Is(err, context.Canceled) {
		return nil, errors.New("interrupted")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if tr == nil {
		return nil, fmt.Errorf("%s: %w", cmd, chains.ErrNoTracker)
	}
	return tr, nil
}

// requireTracker is tracker, failing with chains.ErrNoTracker without it.
func (t *Terminal) requireTracker(ctx context.Context, cmd string) (*model.Tracker, error) {
	tr, err := t.tracker(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if tr == nil {
		return nil, fmt.Errorf("%s: %w", cmd, chains.ErrNoTracker)
	}
	return tr, nil
}

// snapshotWithTracker reads the goroutines and the tracker at this stop.
func (t *Terminal) snapshotWithTracker(ctx context.Context) (*model.Snapshot, *model.Tracker, error) {
	snap, err := t.snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	if snap.Tracker != nil {
		return snap, snap.Tracker, nil
	}
	tr, err := t.tracker(ctx)
	if err != nil && ctx.Err() == nil && t.session.TrackerError() != nil {
		return snap, nil, nil // unreadable tracker: the runtime's view, and the command's note says why
	}
	return snap, tr, err
}

// parseID parses a goroutine or task id argument for cmd.
func parseID(cmd, s string) (chains.ID, error) {
	id, err := chains.ParseID(s)
	if err != nil {
		return id, fmt.Errorf("%s: %w", cmd, err)
	}
	return id, nil
}
