package dlvclient

import (
	"context"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// SnapshotBy reads a snapshot afresh (not cached) with the reader named:
// ReaderDelve (Delve's listing) or ReaderRuntime (as Snapshot does), for the
// differential test of the two.
func (s *Session) SnapshotBy(ctx context.Context, reader string) (*model.Snapshot, error) {
	return s.readSnapshot(ctx, nil, reader == ReaderDelve)
}
