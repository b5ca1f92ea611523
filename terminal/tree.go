package terminal

import (
	"context"
	"flag"
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/render"
)

const pstreeUsage = "pstree [-json] [-full] [-tasks|-goroutines] [ID|t:N]"

func (t *Terminal) pstreeCommand() *command {
	return &command{
		names: []string{"pstree", "pt"},
		usage: pstreeUsage,
		help: "Show the creation tree (who created whom), whole or below goroutine ID.\n" +
			"Goroutines whose creator exited hang under a marker for it; identical\n" +
			"sibling subtrees collapse with a count. With the tracker, the task tree comes\n" +
			"first: tasks nested by parent task, tracker groups as scopes with their tasks\n" +
			"(t:N shows one task's subtree). --json prints the goroutine tree unless -tasks.",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "print JSON")
			fs.Bool("full", false, "do not collapse identical subtrees")
			fs.Bool("tasks", false, "only the task tree (needs the tracker)")
			fs.Bool("goroutines", false, "only the goroutine creation tree")
		},
		exec: t.pstree,
	}
}

func (t *Terminal) pstree(ctx context.Context, fs *flag.FlagSet, args []string) error {
	if err := wantArgs("pstree", args, 0, 1, pstreeUsage); err != nil {
		return err
	}
	get := func(name string) bool { return fs.Lookup(name).Value.(flag.Getter).Get().(bool) }
	asJSON, onlyTasks, onlyGoroutines := get("json"), get("tasks"), get("goroutines")
	if onlyTasks && onlyGoroutines {
		return fmt.Errorf("pstree: -tasks and -goroutines do not combine")
	}
	var id chains.ID
	if len(args) == 1 {
		var err error
		if id, err = parseID("pstree", args[0]); err != nil {
			return err
		}
		if id.IsTask() && onlyGoroutines {
			return fmt.Errorf("pstree: -goroutines takes a goroutine id, not %s", id)
		}
		if !id.IsTask() && onlyTasks {
			return fmt.Errorf("pstree: -tasks takes a task id t:N, not %s", id)
		}
	}
	snap, tr, err := t.snapshotWithTracker(ctx)
	if err != nil {
		return err
	}
	showTasks := onlyTasks || id.IsTask() || (tr != nil && !onlyGoroutines && !asJSON && id.Goroutine == 0)
	if showTasks {
		if tr == nil {
			return fmt.Errorf("pstree: %w", chains.ErrNoTracker)
		}
		forest := chains.BuildTaskTree(tr, snap)
		if id.IsTask() {
			n := forest.FindTaskNode(id.Task)
			if n == nil {
				if _, ok := chains.NewTaskIndex(tr, snap).Find(id.Task); ok {
					return fmt.Errorf("pstree: task %d has ended and has no running descendants (try where-terminated %s)", id.Task, id)
				}
				return fmt.Errorf("pstree: %w", &chains.UnknownTaskError{ID: id.Task})
			}
			forest = chains.TaskForest{Tasks: []*chains.TaskNode{n}}
		}
		if asJSON {
			return render.JSON(t.out, render.NewTaskForestDoc(forest))
		}
		if onlyTasks || id.IsTask() {
			return render.TaskTree(t.out, tr, forest)
		}
		fmt.Fprintln(t.out, "Tasks:")
		if err := render.TaskTree(t.out, tr, forest); err != nil {
			return err
		}
		fmt.Fprintln(t.out, "\nGoroutines:")
	}
	if missing := chains.MissingCreators(snap); len(missing) > 0 {
		if records, on := t.session.AncestorsOf(missing); on {
			snap, _ = chains.WithAncestors(snap, records)
		}
	}
	roots := chains.BuildTree(snap)
	if id.Goroutine != 0 {
		node := chains.Subtree(roots, id.Goroutine)
		if node == nil {
			return fmt.Errorf("pstree: unknown goroutine %d", id.Goroutine)
		}
		roots = []*chains.Node{node}
	}
	if !get("full") {
		roots = chains.Collapse(roots)
	}
	if asJSON {
		return render.JSON(t.out, render.NewTreeDocs(roots))
	}
	return render.Tree(t.out, roots)
}
