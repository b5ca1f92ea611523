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

// maxContextScan bounds how many goroutines ps -cancelled walks the
// contexts of without the tracker (one debugger round trip per frame).
const maxContextScan = 2000

// PsRequest asks for a goroutine listing.
type PsRequest struct {
	// Filter selects the goroutines.
	Filter chains.Filter
	// Group, if set, groups the selection by this key (a chains.GroupKey
	// name); LabelKey is the label for Group "label".
	Group    string
	LabelKey string
	// Cancelled lists swallowed cancellations instead: goroutines still
	// running after their context was cancelled. It does not combine with
	// Group.
	Cancelled bool
	// Limit shows at most this many goroutines or groups (0: all).
	Limit int
}

// PsDoc is a goroutine listing: the table of goroutines.
type PsDoc struct {
	notes
	// Goroutines are the selected goroutines, cut to the limit.
	Goroutines []model.Goroutine
	// Total counts every goroutine of the snapshot.
	Total int
	// TaskColumns is set when some selected goroutine runs a tracker task,
	// cut by the limit or not: the table keeps its TASK and GROUP columns.
	TaskColumns bool
	// Clock is what wait times are measured to.
	Clock model.Clock
	// Selection says how the goroutines were chosen: the header counts
	// what the filters selected and says what they left out.
	Selection Selection
}

// Text writes the ps table.
func (d *PsDoc) Text(w io.Writer) error {
	if _, err := fmt.Fprintln(w, d.Selection.GoroutinesHeader()); err != nil {
		return err
	}
	if err := render.PsRows(w, d.Goroutines, d.TaskColumns); err != nil {
		return err
	}
	if note := render.WaitNote(d.Goroutines, d.Clock); note != "" {
		_, err := fmt.Fprintln(w, note)
		return err
	}
	return nil
}

// JSON returns the ps --json array.
func (d *PsDoc) JSON() any { return render.PsJSON(d.Goroutines) }

// GroupsDoc is a grouped goroutine listing.
type GroupsDoc struct {
	notes
	Groups []chains.Group
	// By describes the grouping key ("creation", "label KEY", …).
	By string
	// Selection says how the goroutines grouped were chosen; its Shown
	// and Limit count groups. AllGroups is how many groups there are
	// before the limit.
	Selection Selection
	AllGroups int
}

// Text writes the groups, largest first.
func (d *GroupsDoc) Text(w io.Writer) error {
	if _, err := fmt.Fprintln(w, d.Selection.GroupsHeader(d.AllGroups, render.Safe(d.By))); err != nil {
		return err
	}
	return render.GroupRows(w, d.Groups)
}

// JSON returns the groups' documents.
func (d *GroupsDoc) JSON() any { return render.NewGroupDocs(d.Groups) }

// SwallowedDoc lists swallowed cancellations.
type SwallowedDoc struct {
	notes
	// Tracker is the tracker read they come from (nil: found in the
	// goroutines' frame contexts).
	Tracker   *model.Tracker
	Swallowed []chains.Swallowed
	// Selection says among which goroutines they were looked for (its
	// Selected) and how many the limit left out of Found.
	Selection Selection
	Found     int
}

// Text writes the swallowed cancellations table.
func (d *SwallowedDoc) Text(w io.Writer) error {
	return render.SwallowedWithHeader(w, d.Tracker, d.Swallowed, d.Selection.SwallowedHeader(d.Found))
}

// JSON returns the swallowed cancellations' documents.
func (d *SwallowedDoc) JSON() any { return render.NewSwallowedDocs(d.Swallowed) }

// Ps lists goroutines: filtered, grouped, or their swallowed cancellations.
func (q *Querier) Ps(ctx context.Context, r PsRequest) (Doc, error) {
	if r.Limit < 0 {
		return nil, errors.New("-limit must be 0 (no limit) or more")
	}
	if r.Group == "label" && r.LabelKey == "" {
		return nil, errors.New("-group label needs a label key (-group label KEY)")
	}
	var key chains.GroupKey
	if r.Group != "" {
		var err error
		if key, err = chains.ParseGroupKey(r.Group); err != nil {
			return nil, err
		}
	}
	snap, err := q.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	selected, sel := SelectCounted(snap.Goroutines, r.Filter)
	sel.Limit = r.Limit
	if r.Cancelled {
		if r.Group != "" {
			return nil, errors.New("-cancelled and -group do not combine")
		}
		return q.psCancelled(ctx, snap, selected, sel)
	}
	if r.Group != "" {
		var facts *chains.StackFacts
		if key.NeedsStacks() {
			facts = &chains.StackFacts{Stacks: q.src.Stacks(ctx, goroutineIDs(selected), model.WholeStackDepth)}
			if ctx.Err() != nil {
				return nil, ErrInterrupted
			}
			if key == chains.GroupByOrigin {
				facts.IndirectCalls = q.src.IndirectCalls(chains.SpawnCallSites(selected, facts.Stacks))
			}
		}
		all := chains.GroupGoroutinesWithStacks(selected, key, r.LabelKey, facts)
		groups := limit(all, r.Limit)
		sel.Shown = len(groups)
		return &GroupsDoc{Groups: groups, By: describeGroupKey(r.Group, r.LabelKey), Selection: sel, AllGroups: len(all)}, nil
	}
	shown := limit(selected, r.Limit)
	sel.Shown = len(shown)
	return &PsDoc{Goroutines: shown, Total: len(snap.Goroutines),
		TaskColumns: render.HasTasks(selected), Clock: snap.Clock, Selection: sel}, nil
}

func goroutineIDs(gs []model.Goroutine) []int64 {
	ids := make([]int64, len(gs))
	for i := range gs {
		ids[i] = gs[i].ID
	}
	return ids
}

func describeGroupKey(group, labelKey string) string {
	if group == "label" {
		return "label " + labelKey
	}
	return group
}

// psCancelled lists swallowed cancellations among selected: from the
// tracker's records when the target uses it, else from the contexts found
// in each goroutine's frames.
func (q *Querier) psCancelled(ctx context.Context, snap *model.Snapshot, selected []model.Goroutine, sel Selection) (Doc, error) {
	d := &SwallowedDoc{Tracker: snap.Tracker}
	if d.Tracker == nil {
		var err error
		if d.Tracker, err = q.tracker(ctx); err != nil {
			return nil, err
		}
	}
	if d.Tracker != nil {
		keep := make(map[int64]bool, len(selected))
		for _, g := range selected {
			keep[g.ID] = true
		}
		for _, s := range chains.SwallowedCancellations(d.Tracker, snap) {
			if keep[s.Goroutine.ID] {
				d.Swallowed = append(d.Swallowed, s)
			}
		}
	} else {
		var err error
		if d.Swallowed, err = q.swallowedFromContexts(ctx, d, snap, selected); err != nil {
			return nil, err
		}
	}
	if d.Swallowed == nil {
		d.Swallowed = []chains.Swallowed{}
	}
	d.Found = len(d.Swallowed)
	d.Swallowed = limit(d.Swallowed, sel.Limit)
	sel.Shown = len(d.Swallowed)
	d.Selection = sel
	return d, nil
}

// swallowedFromContexts walks the contexts of each user goroutine of
// selected (at most maxContextScan of them).
func (q *Querier) swallowedFromContexts(ctx context.Context, d *SwallowedDoc, snap *model.Snapshot, selected []model.Goroutine) ([]chains.Swallowed, error) {
	var out []chains.Swallowed
	scanned, unknown, firstUnknown := 0, 0, ""
	for i := range selected {
		g := snap.Goroutine(selected[i].ID)
		if g == nil || g.System {
			continue
		}
		if ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		if scanned == maxContextScan {
			d.notef("contexts walked for the first %d goroutines only (narrow with -loc, -with, -state)", maxContextScan)
			break
		}
		scanned++
		cs, err := q.src.Contexts(g.ID)
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
		if unknown == 1 {
			d.notef("partial answer: for 1 goroutine it is not known whether its contexts are cancelled (%s)", firstUnknown)
		} else {
			d.notef("partial answer: for %d goroutines it is not known whether their contexts are cancelled (first: %s)", unknown, firstUnknown)
		}
	}
	return out, nil
}

// incompleteWalk returns why a context walk of cs stopped before the root,
// "" if none did.
func incompleteWalk(cs []model.ContextChain) string {
	for _, c := range cs {
		if c.Incomplete != "" {
			return c.Incomplete
		}
	}
	return ""
}
