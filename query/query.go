// Package query answers dlv-tasks' questions: given a Source (a live
// session, a core, or any reader that yields model snapshots) and a request
// (ps with filters, a creation tree, a stack with its creation chain, a
// cancellation chain, the history of ended tasks), it returns the document
// a face prints. Faces (the prompt, a web view, a dump reader) parse input,
// call the Querier and print the Doc; they hold no query logic.
//
// The package never imports the Delve client: a Source is declared here,
// by its consumer, as Delve's terminal takes a service.Client.
//
// A new face plugs in by holding a Querier over its Source and printing
// Docs: a web view calls the same methods from its handlers and serves
// Doc.JSON (or templates over the concrete Doc types); a dump reader
// implements Source over a parsed goroutine dump (Snapshot and Cached
// return it, Tracker returns nil, nil, Stack comes from the dump, and
// Contexts/Ancestors report that a dump has none) and gets every query for
// free. Neither adds query logic.
package query

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// Source is what the query layer reads a target through. *dlvclient.Session
// implements it; a dump reader implements it over parsed text.
type Source interface {
	// Snapshot reads the target's goroutines (or returns the snapshot
	// already read at this stop), telling progress how a long read
	// advances (progress may be nil).
	Snapshot(ctx context.Context, progress model.Progress) (*model.Snapshot, error)
	// Cached returns the snapshot already read at this stop, or nil; it
	// never reads the target.
	Cached() *model.Snapshot
	// Tracker reads the tracker's live tasks and history; nil, nil when the
	// target does not use the tracker.
	Tracker(ctx context.Context) (*model.Tracker, error)
	// TrackerError is the error met reading the tracker for the current
	// snapshot (which then carries no tracker data), or nil.
	TrackerError() error
	// TrackerHistory is Tracker without the live arena (Live is empty):
	// enough for ended tasks and cancellations, and cheaper.
	TrackerHistory(ctx context.Context) (*model.Tracker, error)
	// Stack returns goroutine id's stack, innermost frame first, at most
	// depth frames (0: model.DefaultStackDepth).
	Stack(id int64, depth int) ([]model.Frame, error)
	// StackCut is Stack that also says whether the stack goes on below the
	// depth read.
	StackCut(id int64, depth int) (frames []model.Frame, more bool, err error)
	// Stacks reads the stacks of ids, depth frames each (a goroutine whose
	// stack cannot be read is left out); ctx interrupts it.
	Stacks(ctx context.Context, ids []int64, depth int) map[int64]model.Stack
	// IndirectCalls reports which of the call sites at pcs call through a
	// function value or an interface, from the binary's code.
	IndirectCalls(pcs []uint64) map[uint64]bool
	// AncestorsOf returns the tracebackancestors records of each of ids;
	// enabled is false when the target keeps none.
	AncestorsOf(ids []int64) (records map[int64][]model.Ancestor, enabled bool)
	// Ancestors returns the creators' stacks recorded by
	// GODEBUG=tracebackancestors=N (n ancestors, depth frames each).
	Ancestors(id int64, n, depth int) (ancestors []model.Ancestor, enabled bool, err error)
	// Contexts returns the contexts found in goroutine gid's frames, each
	// walked to the root of its tree.
	Contexts(gid int64) ([]model.ContextChain, error)
}

// ErrInterrupted is returned when the user interrupted a query (its context
// was cancelled): the one error every face shows for Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// Interrupted maps a cancelled context's error to ErrInterrupted and
// returns any other error unchanged.
func Interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return ErrInterrupted
	}
	return err
}

// Doc is the document a query answers with: a face prints Text, or JSON
// (through render.JSON) when the user asked for --json, and shows Notes
// (things the user should know that are not the answer) on its side channel.
type Doc interface {
	// Text writes the document as the prompt shows it.
	Text(w io.Writer) error
	// JSON returns the value --json prints.
	JSON() any
	// Notes are remarks for the user (a fallback taken, a scan cut short).
	Notes() []string
}

// notes is embedded by every Doc.
type notes struct{ notes []string }

// Notes returns the remarks collected while the query ran.
func (n *notes) Notes() []string { return n.notes }

func (n *notes) notef(format string, args ...any) {
	n.notes = append(n.notes, fmt.Sprintf(format, args...))
}

// Querier answers requests against one Source.
type Querier struct {
	src Source
	// Progress, if set, is told how a long read advances.
	Progress model.Progress
	// trackerUse is the tracker read (or the error that made it
	// unreadable) that the queries since the last TrackerNote relied on.
	trackerUse    *model.Tracker
	trackerUseErr error
	trackerUsed   bool
	// kept holds the snapshots kept for diff (query/diff.go).
	kept kept
}

// useTracker records that a query relied on tr (or met err reading it).
func (q *Querier) useTracker(tr *model.Tracker, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrInterrupted) || errors.Is(err, model.ErrExited) {
		return
	}
	if tr == nil && err == nil {
		return // the target does not use the tracker
	}
	q.trackerUse, q.trackerUseErr, q.trackerUsed = tr, err, true
}

// TrackerNote is the one note line about the tracker read the queries since
// the last call relied on: what was skipped or unreadable and why ("" when
// the read was complete or no query used the tracker). A face prints it
// after each command.
func (q *Querier) TrackerNote() string {
	if !q.trackerUsed {
		return ""
	}
	note := render.TrackerNote(q.trackerUse, q.trackerUseErr)
	q.trackerUse, q.trackerUseErr, q.trackerUsed = nil, nil, false
	return note
}

// New returns a Querier reading src.
func New(src Source) *Querier { return &Querier{src: src} }

// snapshot reads (or reuses) the target's goroutines.
func (q *Querier) snapshot(ctx context.Context) (*model.Snapshot, error) {
	snap, err := q.src.Snapshot(ctx, q.Progress)
	if err != nil {
		return nil, Interrupted(err)
	}
	if snap.Tracker != nil {
		q.useTracker(snap.Tracker, nil)
	} else if terr := q.src.TrackerError(); terr != nil {
		q.useTracker(nil, terr)
	}
	return snap, nil
}

// tracker returns the tracker read, or nil, nil without the tracker.
func (q *Querier) tracker(ctx context.Context) (*model.Tracker, error) {
	tr, err := q.src.Tracker(ctx)
	q.useTracker(tr, err)
	return tr, Interrupted(err)
}

// requireHistory reads only the tracker's history (no live arena), failing
// with chains.ErrNoTracker without the tracker.
func (q *Querier) requireHistory(ctx context.Context) (*model.Tracker, error) {
	tr, err := q.src.TrackerHistory(ctx)
	q.useTracker(tr, err)
	if err != nil {
		return nil, Interrupted(err)
	}
	if tr == nil {
		return nil, chains.ErrNoTracker
	}
	return tr, nil
}

// requireTracker is tracker, failing with chains.ErrNoTracker without it.
func (q *Querier) requireTracker(ctx context.Context) (*model.Tracker, error) {
	tr, err := q.tracker(ctx)
	if err != nil {
		return nil, err
	}
	if tr == nil {
		return nil, chains.ErrNoTracker
	}
	return tr, nil
}

// RequireTracker fails with chains.ErrNoTracker when the target does not
// use the tracker (for actions on tasks that are not queries).
func (q *Querier) RequireTracker(ctx context.Context) error {
	_, err := q.requireTracker(ctx)
	return err
}

// snapshotWithTracker reads the goroutines and the tracker at this stop.
func (q *Querier) snapshotWithTracker(ctx context.Context) (*model.Snapshot, *model.Tracker, error) {
	snap, err := q.snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	if snap.Tracker != nil {
		return snap, snap.Tracker, nil
	}
	tr, err := q.tracker(ctx)
	if err != nil && ctx.Err() == nil && q.src.TrackerError() != nil {
		// An unreadable tracker: answer from the runtime's view; the
		// command's tracker note says why.
		return snap, nil, nil
	}
	return snap, tr, err
}

// limit cuts s to at most n elements (n <= 0: no limit).
func limit[T any](s []T, n int) []T {
	if n > 0 && len(s) > n {
		return s[:n]
	}
	return s
}
