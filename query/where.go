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

// WhereRequest asks for a goroutine's stack and creation chain.
type WhereRequest struct {
	// ID is a goroutine, or a live task t:N (its goroutine).
	ID chains.ID
	// Depth is how many frames to read (0: model.DefaultStackDepth).
	Depth int
}

// WhereDoc is a goroutine's stack, then its creation chain.
type WhereDoc struct {
	notes
	ID int64
	// Goroutine is nil when the goroutine has exited and only its runtime
	// record survives.
	Goroutine *model.Goroutine
	Frames    []model.Frame
	// StackCut is set when the stack goes on below the frames read.
	StackCut  bool
	Chain     []chains.Link
	Ancestors []model.Ancestor
}

// Text writes the stack and the creation chain.
func (d *WhereDoc) Text(w io.Writer) error {
	if d.Goroutine == nil {
		if _, err := fmt.Fprintf(w, "goroutine %d has exited; its runtime record survives (partial history):\n", d.ID); err != nil {
			return err
		}
	}
	return render.Where(w, d.Goroutine, d.Frames, d.StackCut, d.Chain, d.Ancestors)
}

// JSON returns the where document.
func (d *WhereDoc) JSON() any {
	return render.NewWhereDoc(d.Goroutine, d.Frames, d.StackCut, d.Chain, d.Ancestors)
}

// Where shows a goroutine's stack and its creation chain up to main. An
// exited goroutine whose runtime record survives gets its chain only.
func (q *Querier) Where(ctx context.Context, r WhereRequest) (Doc, error) {
	id := r.ID.Goroutine
	if r.ID.IsTask() {
		gid, _, err := q.LiveGoroutine(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		id = gid
	}
	snap, err := q.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	d := &WhereDoc{ID: id, Goroutine: snap.Goroutine(id)}
	if d.Goroutine == nil && snap.ExitedGoroutine(id) == nil {
		return nil, fmt.Errorf("goroutine %d: %w", id, model.ErrUnknownGoroutine)
	}
	if d.Goroutine != nil {
		if d.Frames, d.StackCut, err = q.src.StackCut(id, r.Depth); err != nil {
			return nil, err
		}
		d.Ancestors, _, err = q.src.Ancestors(id, model.MaxAncestors, model.AncestorStackMax)
		if err != nil && !errors.Is(err, model.ErrExited) {
			d.notef("%v", err)
		}
	}
	if d.Chain, err = chains.CreationChainWithAncestors(snap, id, d.Ancestors); err != nil {
		return nil, err
	}
	return d, nil
}
