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

// CancelChainDoc is who cancelled a task's context, hop by hop, from the
// tracker's records; or, without them, the contexts in a goroutine's frames.
type CancelChainDoc struct {
	notes
	// Tracker, Task and Hops are the tracker's answer (Task nil when the
	// answer comes from frame contexts).
	Tracker *model.Tracker
	Task    *chains.TaskRef
	Hops    []chains.CancelHop
	// Goroutine and Contexts are the frame contexts' answer.
	Goroutine int64
	Contexts  []model.ContextChain
}

// Text writes the cancellation chain, or the frame contexts.
func (d *CancelChainDoc) Text(w io.Writer) error {
	if d.Task != nil {
		return render.CancelChain(w, d.Tracker, &d.Task.Task, d.Hops)
	}
	return render.ContextChains(w, d.Goroutine, d.Contexts)
}

// JSON returns the cancel-chain document.
func (d *CancelChainDoc) JSON() any {
	if d.Task != nil {
		task := render.NewTaskRefDoc(d.Task.Task.ID, true, *d.Task)
		return render.CancelChainDoc{Task: &task, Hops: render.NewCancelHopDocs(d.Tracker, d.Hops), Contexts: []model.ContextChain{}}
	}
	cs := d.Contexts
	if cs == nil {
		cs = []model.ContextChain{}
	}
	return render.CancelChainDoc{Hops: []render.CancelHopDoc{}, Contexts: cs}
}

// CancelChain answers who cancelled id's context (a goroutine or a task t:N,
// live or terminated). With the tracker, from its cancellation records; a
// goroutine that runs no task, or a task under a context the tracker does
// not record, falls back to the contexts in the goroutine's frames.
func (q *Querier) CancelChain(ctx context.Context, id chains.ID) (Doc, error) {
	snap, tr, err := q.snapshotWithTracker(ctx)
	if err != nil {
		return nil, err
	}
	if tr == nil {
		if id.IsTask() {
			return nil, chains.ErrNoTracker
		}
		return q.contextChains(snap, id.Goroutine, nil)
	}
	x := chains.NewTaskIndex(tr, snap)
	ref, err := x.Resolve(id)
	if err != nil {
		if !id.IsTask() && snap.Goroutine(id.Goroutine) != nil {
			return q.contextChains(snap, id.Goroutine, nil) // not a task
		}
		return nil, err
	}
	hops, err := x.CancelChain(chains.ID{Task: ref.Task.ID})
	if errors.Is(err, chains.ErrUntrackedContext) && ref.Live && ref.Goroutine != nil {
		var n notes
		n.notef("%s runs under a context the tracker does not record; walking its frames' contexts", render.TaskName(&ref.Task))
		return q.contextChains(snap, ref.Goroutine.ID, n.notes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", render.TaskName(&ref.Task), err)
	}
	return &CancelChainDoc{Tracker: tr, Task: &ref, Hops: hops}, nil
}

// contextChains answers with the contexts in goroutine gid's frames.
func (q *Querier) contextChains(snap *model.Snapshot, gid int64, pending []string) (Doc, error) {
	if snap.Goroutine(gid) == nil {
		return nil, fmt.Errorf("goroutine %d: %w", gid, model.ErrUnknownGoroutine)
	}
	cs, err := q.src.Contexts(gid)
	if err != nil {
		return nil, err
	}
	return &CancelChainDoc{notes: notes{pending}, Goroutine: gid, Contexts: cs}, nil
}

// LiveGoroutine resolves id to a live goroutine: goroutine N itself, or the
// goroutine running live task t:N. It returns the task the goroutine runs,
// when the tracker knows it (nil otherwise). An ended task is an error that
// points to where-terminated.
func (q *Querier) LiveGoroutine(ctx context.Context, id chains.ID) (int64, *model.Task, error) {
	snap, tr, err := q.snapshotWithTracker(ctx)
	if err != nil {
		return 0, nil, err
	}
	if !id.IsTask() {
		if snap.Goroutine(id.Goroutine) == nil {
			return 0, nil, fmt.Errorf("goroutine %d: %w", id.Goroutine, model.ErrUnknownGoroutine)
		}
		var task *model.Task
		if tr != nil {
			if ref, err := chains.NewTaskIndex(tr, snap).Resolve(id); err == nil && ref.Live {
				task = &ref.Task
			}
		}
		return id.Goroutine, task, nil
	}
	if tr == nil {
		return 0, nil, chains.ErrNoTracker
	}
	ref, err := chains.NewTaskIndex(tr, snap).Resolve(id)
	if err != nil {
		return 0, nil, err
	}
	if !ref.Live {
		return 0, nil, fmt.Errorf("task %s has already ended (%s): where-terminated %s shows how", render.TaskName(&ref.Task), ref.Ended.Outcome, id)
	}
	gid := ref.Task.GoroutineID
	if ref.Goroutine != nil {
		gid = ref.Goroutine.ID
	}
	if gid == 0 {
		return 0, nil, fmt.Errorf("task %s has no goroutine yet", render.TaskName(&ref.Task))
	}
	return gid, &ref.Task, nil
}
