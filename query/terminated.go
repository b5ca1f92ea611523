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

// PsTerminatedRequest asks for the ended tasks (or exited goroutines).
type PsTerminatedRequest struct {
	// Filter selects the tracker's termination records.
	Filter chains.TerminatedFilter
	// Runtime lists the runtime's records of exited goroutines instead of
	// the tracker's (also the answer without the tracker); Limit cuts them.
	Runtime bool
	Limit   int
}

// PsTerminatedDoc lists ended tracker tasks, newest first.
type PsTerminatedDoc struct {
	notes
	Tracker *model.Tracker
	Ended   []model.Termination
	// Selection says how the records shown were chosen: the header counts
	// what the filters selected and says what they left out.
	Selection Selection
}

// Text writes the ended tasks table.
func (d *PsTerminatedDoc) Text(w io.Writer) error {
	return render.PsTerminatedWithHeader(w, d.Tracker, d.Ended, d.Selection.TerminatedHeader())
}

// JSON returns the ps-terminated document.
func (d *PsTerminatedDoc) JSON() any { return render.NewPsTerminatedDoc(d.Tracker, d.Ended) }

// ExitedDoc lists the runtime's records of exited goroutines.
type ExitedDoc struct {
	notes
	Exited []model.ExitedGoroutine
	// Total counts every record; Tracker says whether the target uses the
	// tracker (without it, the text says first that no task history exists).
	Total   int
	Tracker bool
}

// Text writes the exited goroutines table.
func (d *ExitedDoc) Text(w io.Writer) error {
	if !d.Tracker {
		if _, err := fmt.Fprintln(w, "The target does not use the tracker: no record of how tasks ended."); err != nil {
			return err
		}
	}
	return render.ExitedGoroutines(w, d.Exited, d.Total)
}

// JSON returns the exited goroutines' document.
func (d *ExitedDoc) JSON() any { return render.NewExitedDoc(d.Exited, d.Total, d.Tracker) }

// PsTerminated lists the tracker's ended tasks, newest first; with
// r.Runtime or without the tracker, the runtime's exited goroutines.
func (q *Querier) PsTerminated(ctx context.Context, r PsTerminatedRequest) (Doc, error) {
	if r.Filter.Limit < 0 || r.Limit < 0 {
		return nil, errors.New("-limit must be 0 (no limit) or more")
	}
	if r.Runtime {
		return q.exitedGoroutines(ctx, r.Limit)
	}
	tr, err := q.requireHistory(ctx)
	if errors.Is(err, chains.ErrNoTracker) {
		return q.exitedGoroutines(ctx, r.Limit)
	}
	if err != nil {
		return nil, err
	}
	ended, sel := SelectTerminatedCounted(tr.Terminated, r.Filter)
	return &PsTerminatedDoc{Tracker: tr, Ended: ended, Selection: sel}, nil
}

// exitedGoroutines lists the runtime's records of exited goroutines (dead
// runtime.g structs not reused yet).
func (q *Querier) exitedGoroutines(ctx context.Context, n int) (Doc, error) {
	snap, err := q.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &ExitedDoc{Exited: limit(snap.Exited, n), Total: len(snap.Exited), Tracker: snap.Tracker != nil}, nil
}

// WhereTerminatedDoc is how an ended task ended, with its chains.
type WhereTerminatedDoc struct {
	notes
	Tracker *model.Tracker
	Ended   model.Termination
	Chain   []chains.TaskAncestor
	Hops    []chains.CancelHop
}

// Text writes the ended task in full.
func (d *WhereTerminatedDoc) Text(w io.Writer) error {
	return render.WhereTerminated(w, d.Tracker, &d.Ended, d.Chain, d.Hops)
}

// JSON returns the where-terminated document.
func (d *WhereTerminatedDoc) JSON() any {
	return render.NewWhereTerminatedDoc(d.Tracker, d.Ended, d.Chain, d.Hops)
}

// errNotInHistory says a task was not found among the ended ones.
var errNotInHistory = errors.New("not in the history")

// endedChains is a task resolved for where-terminated, with its chains.
type endedChains struct {
	tr    *model.Tracker
	ref   chains.TaskRef
	chain []chains.TaskAncestor
	hops  []chains.CancelHop
}

// WhereTerminated shows how a terminated task ended (id is t:N or the
// goroutine that ran it), with its creation and cancellation chains.
//
// The goroutines are not read for this (it must stay cheap); a snapshot
// already read at this stop adds where live parents and cancellers are.
// The history alone (no live arena) answers unless the task is not in it or
// the chains reach a task it does not hold: then a full tracker read.
func (q *Querier) WhereTerminated(ctx context.Context, id chains.ID) (Doc, error) {
	r, err := q.terminatedChains(ctx, id, true)
	if errors.Is(err, errNotInHistory) || (err == nil && !r.complete()) {
		r, err = q.terminatedChains(ctx, id, false)
	}
	if err != nil {
		return nil, err
	}
	if r.ref.Ended == nil {
		return nil, fmt.Errorf("task %s is still running (try where %d or cancel-chain t:%d)",
			render.TaskName(&r.ref.Task), r.ref.Task.GoroutineID, r.ref.Task.ID)
	}
	if len(r.hops) == 0 {
		r.hops = nil
	}
	return &WhereTerminatedDoc{Tracker: r.tr, Ended: *r.ref.Ended, Chain: r.chain, Hops: r.hops}, nil
}

// terminatedChains resolves id and builds its creation and cancellation
// chains from the tracker's history only, or from a full read.
func (q *Querier) terminatedChains(ctx context.Context, id chains.ID, historyOnly bool) (endedChains, error) {
	var r endedChains
	var err error
	if historyOnly {
		r.tr, err = q.requireHistory(ctx)
	} else {
		r.tr, err = q.requireTracker(ctx)
	}
	if err != nil {
		return r, err
	}
	x := chains.NewTaskIndex(r.tr, q.src.Cached())
	if r.ref, err = x.Resolve(id); err != nil {
		if historyOnly {
			return r, errNotInHistory
		}
		return r, err
	}
	if r.ref.Ended == nil {
		return r, nil
	}
	r.chain = x.CreationChain(r.ref.Task.ID)
	r.hops, err = x.CancelChain(chains.ID{Task: r.ref.Task.ID})
	if err != nil && !errors.Is(err, chains.ErrUntrackedContext) {
		return r, err
	}
	return r, nil
}

// complete reports whether every task the chains name was found (else a
// live task is involved and the live arena must be read).
func (r endedChains) complete() bool {
	for _, a := range r.chain {
		if !a.Known {
			return false
		}
	}
	for _, h := range r.hops {
		if h.CancellerTask != 0 && !h.CancellerKnown {
			return false
		}
	}
	return true
}
