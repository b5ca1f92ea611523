package terminal

import (
	"context"
	"errors"
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// maxContextScan bounds how many goroutines ps -cancelled walks the
// contexts of without the tracker (one debugger round trip per frame).
const maxContextScan = 2000

// psCancelled lists swallowed cancellations among selected: from the
// tracker's records when the target uses it, else from the contexts found
// in each goroutine's frames.
func (t *Terminal) psCancelled(ctx context.Context, snap *model.Snapshot, selected []model.Goroutine, o psOptions) error {
	tr := snap.Tracker
	if tr == nil {
		var err error
		if tr, err = t.tracker(ctx); err != nil {
			return fmt.Errorf("ps: %w", err)
		}
	}
	var ss []chains.Swallowed
	if tr != nil {
		keep := make(map[int64]bool, len(selected))
		for _, g := range selected {
			keep[g.ID] = true
		}
		for _, s := range chains.SwallowedCancellations(tr, snap) {
			if keep[s.Goroutine.ID] {
				ss = append(ss, s)
			}
		}
	} else {
		var err error
		if ss, err = t.swallowedFromContexts(ctx, snap, selected); err != nil {
			return err
		}
	}
	if ss == nil {
		ss = []chains.Swallowed{}
	}
	if o.limit > 0 && len(ss) > o.limit {
		ss = ss[:o.limit]
	}
	if o.json {
		return render.JSON(t.out, render.NewSwallowedDocs(ss))
	}
	return render.Swallowed(t.out, tr, ss)
}

// swallowedFromContexts walks the contexts of each user goroutine of
// selected (at most maxContextScan of them).
func (t *Terminal) swallowedFromContexts(ctx context.Context, snap *model.Snapshot, selected []model.Goroutine) ([]chains.Swallowed, error) {
	var out []chains.Swallowed
	scanned, unknown, firstUnknown := 0, 0, ""
	for i := range selected {
		g := snap.Goroutine(selected[i].ID)
		if g == nil || g.System {
			continue
		}
		if ctx.Err() != nil {
			return nil, errors.New("interrupted")
		}
		if scanned == maxContextScan {
			fmt.Fprintf(t.errOut, "note: contexts walked for the first %d goroutines only (narrow with -loc, -with, -state)\n", maxContextScan)
			break
		}
		scanned++
		cs, err := t.session.Contexts(g.ID)
		if err != nil {
			continue // an unreadable goroutine is not evidence either way
		}
		if s, ok := chains.SwallowedFromContexts(g, cs); ok {
			out = append(out, s)
		} else if reason := incompleteWalk(cs); reason != "" {
			unknown++
			if firstUnknown == "" {
				firstUnknown = fmt.Sprintf("goroutine %d: %s", g.ID, render.Safe(reason))
			}
		}
	}
	if unknown > 0 {
		fmt.Fprintf(t.errOut, "note: partial answer: for %d goroutines it is not known whether their contexts are cancelled (first: %s)\n", unknown, firstUnknown)
	}
	return out, nil
}

// incompleteWalk returns why a context walk of cs stopped before the root, "" if none did.
func incompleteWalk(cs []model.ContextChain) string {
	for _, c := range cs {
		if c.Incomplete != "" {
			return c.Incomplete
		}
	}
	return ""
}
