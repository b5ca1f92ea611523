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

// TreeRequest asks for the creation tree.
type TreeRequest struct {
	// ID, if set, shows only the subtree below this goroutine or task.
	ID chains.ID
	// Full does not collapse identical sibling subtrees.
	Full bool
	// OnlyTasks shows only the task tree; OnlyGoroutines only the
	// goroutine tree. They do not combine.
	OnlyTasks, OnlyGoroutines bool
	// JSON says the face prints JSON: one document, the goroutine tree
	// unless OnlyTasks or a task ID asks for the task tree.
	JSON bool
}

// TreeDoc is the creation tree: the task forest (with the tracker), the
// goroutine tree, or both (tasks first).
type TreeDoc struct {
	notes
	// Tracker and Tasks are the task tree; Tasks is nil when not shown.
	Tracker *model.Tracker
	Tasks   *chains.TaskForest
	// Goroutines is the goroutine creation tree; nil when not shown.
	Goroutines []*chains.Node
}

// Text writes the task tree, the goroutine tree, or both under headings.
func (d *TreeDoc) Text(w io.Writer) error {
	if d.Tasks != nil && d.Goroutines == nil {
		return render.TaskTree(w, d.Tracker, *d.Tasks)
	}
	if d.Tasks != nil {
		if _, err := fmt.Fprintln(w, "Tasks:"); err != nil {
			return err
		}
		if err := render.TaskTree(w, d.Tracker, *d.Tasks); err != nil {
			return err
		}
		if _, err := fmt.Fprintln(w, "\nGoroutines:"); err != nil {
			return err
		}
	}
	return render.Tree(w, d.Goroutines)
}

// JSON returns the task forest's document when only tasks are shown, else
// the goroutine tree's.
func (d *TreeDoc) JSON() any {
	if d.Tasks != nil && d.Goroutines == nil {
		return render.NewTaskForestDoc(*d.Tasks)
	}
	return render.NewTreeDocs(d.Goroutines)
}

// Tree builds the creation tree (who created whom), whole or below one id.
// With the tracker, the task tree comes first; a task id shows that task's
// subtree only.
func (q *Querier) Tree(ctx context.Context, r TreeRequest) (Doc, error) {
	id := r.ID
	if r.OnlyTasks && r.OnlyGoroutines {
		return nil, errors.New("-tasks and -goroutines do not combine")
	}
	if id.IsTask() && r.OnlyGoroutines {
		return nil, fmt.Errorf("-goroutines takes a goroutine id, not %s", id)
	}
	if id.Goroutine != 0 && r.OnlyTasks {
		return nil, fmt.Errorf("-tasks takes a task id t:N, not %s", id)
	}
	snap, tr, err := q.snapshotWithTracker(ctx)
	if err != nil {
		return nil, err
	}
	d := &TreeDoc{Tracker: tr}
	showTasks := r.OnlyTasks || id.IsTask() || (tr != nil && !r.OnlyGoroutines && !r.JSON && id.Goroutine == 0)
	if showTasks {
		if tr == nil {
			return nil, chains.ErrNoTracker
		}
		forest := chains.BuildTaskTree(tr, snap)
		if id.IsTask() {
			n := forest.FindTaskNode(id.Task)
			if n == nil {
				if _, ok := chains.NewTaskIndex(tr, snap).Find(id.Task); ok {
					return nil, fmt.Errorf("task %d has ended and has no running descendants (try where-terminated %s)", id.Task, id)
				}
				return nil, &chains.UnknownTaskError{ID: id.Task}
			}
			forest = chains.TaskForest{Tasks: []*chains.TaskNode{n}}
		}
		d.Tasks = &forest
		if r.OnlyTasks || id.IsTask() || r.JSON {
			return d, nil
		}
	}
	if missing := chains.MissingCreators(snap); len(missing) > 0 {
		if records, on := q.src.AncestorsOf(missing); on {
			snap, _ = chains.WithAncestors(snap, records)
		}
	}
	roots := chains.BuildTree(snap)
	if id.Goroutine != 0 {
		node := chains.Subtree(roots, id.Goroutine)
		if node == nil {
			return nil, fmt.Errorf("unknown goroutine %d", id.Goroutine)
		}
		roots = []*chains.Node{node}
	}
	if !r.Full {
		roots = chains.Collapse(roots)
	}
	d.Goroutines = roots
	if d.Goroutines == nil {
		d.Goroutines = []*chains.Node{}
	}
	return d, nil
}
