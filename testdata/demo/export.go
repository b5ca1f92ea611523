package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dlv-tasks/dlv-tasks/tracker"
)

var (
	// exportStages counts export tasks that have started.
	exportStages sync.WaitGroup
	// flushAck never comes: the flusher waits for it forever.
	flushAck = make(chan struct{})
	// exportAborted is closed once the disk monitor has cancelled the export.
	exportAborted = make(chan struct{})
	// exportCancels keeps cancel functions that nothing calls.
	exportCancels []context.CancelFunc
)

// startExport runs a nightly export three contexts deep: the export
// (WithCancelCause) → its upload (WithCancel) → the chunk upload
// (WithTimeout 1h), one task on each level, and a disk monitor that aborts
// the export when the disk fills up.
func startExport() {
	exportCtx, abort := tracker.WithCancelCause(context.Background())
	uploadCtx, cancelUpload := tracker.WithCancel(exportCtx)
	chunkCtx, cancelChunk := tracker.WithTimeout(uploadCtx, time.Hour)
	exportCancels = append(exportCancels, cancelUpload, cancelChunk)

	exportStages.Add(4)
	tracker.Go(exportCtx, "export", runStage)
	tracker.Go(uploadCtx, "upload", runStage)
	tracker.Go(chunkCtx, "upload-chunk", runStage)
	// Problem 6 — the swallowed cancellation.
	// LOOK: "segment-flusher" runs under the chunk context, which is
	// cancelled, but it never looks at ctx.Done(): it is still blocked in
	// [chan receive]. `ps -cancelled` finds it, with how long ago its
	// context was cancelled.
	tracker.Go(chunkCtx, "segment-flusher", flushSegments)
	exportStages.Wait()

	tracker.Go(context.Background(), "disk-monitor", func(ctx context.Context) error {
		return monitorDisk(ctx, abort)
	})
	<-exportAborted
	for _, name := range []string{"export", "upload", "upload-chunk"} {
		waitTaskGone(name)
	}
	waitTaskGone("disk-monitor")
	waitCancelRecords()
}

// runStage is one stage of the export: it works until its context is
// cancelled and returns the context's error.
func runStage(ctx context.Context) error {
	exportStages.Done()
	<-ctx.Done()
	return ctx.Err()
}

// flushSegments waits for an acknowledgement that never comes and ignores
// its context.
func flushSegments(ctx context.Context) error {
	exportStages.Done()
	<-flushAck // LOOK: stuck here although its context is cancelled
	return nil
}

// monitorDisk finds the disk full and aborts the export, then exits.
func monitorDisk(ctx context.Context, abort context.CancelCauseFunc) error {
	abortOnDiskFull(abort)
	close(exportAborted)
	return nil
}

// abortOnDiskFull cancels the export with the cause "disk full".
// Problem 5 — who cancelled this?
// LOOK: "upload-chunk" ended cancelled. `cancel-chain t:N` (N of
// upload-chunk in ps-terminated) walks its chunk context → the upload
// context (cancelled because its parent was) → the export context,
// cancelled here by the "disk-monitor" task, which has exited since, with
// this stack and the cause "disk full".
//
//go:noinline
func abortOnDiskFull(abort context.CancelCauseFunc) {
	abort(errors.New("disk full"))
}
