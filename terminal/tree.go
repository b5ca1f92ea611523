package terminal

import (
	"context"
	"flag"

	"github.com/dlv-tasks/dlv-tasks/query"
)

func (t *Terminal) pstreeCommand() *command {
	return &command{
		names:   []string{"pstree", "pt"},
		usage:   "pstree [-json] [-full] [-tasks|-goroutines] [ID|t:N]",
		maxArgs: 1,
		summary: "Show the creation tree, whole or below one goroutine or task.",
		help: "Show the creation tree (who created whom), whole or below goroutine ID.\n" +
			"Goroutines whose creator exited hang under a marker for it; identical\n" +
			"sibling subtrees collapse with a count. With the tracker, the task tree comes\n" +
			"first: tasks nested by parent task, tracker groups as scopes with their tasks\n" +
			"(t:N shows one task's subtree). --json prints the goroutine tree unless -tasks.",
		setup: func(fs *flag.FlagSet) runFunc {
			var r query.TreeRequest
			var wide bool
			fs.BoolVar(&r.JSON, "json", false, "print JSON")
			fs.BoolVar(&wide, "wide", false, "print whole lines, however wide the terminal")
			fs.BoolVar(&r.Full, "full", false, "do not collapse identical subtrees")
			fs.BoolVar(&r.OnlyTasks, "tasks", false, "only the task tree (needs the tracker)")
			fs.BoolVar(&r.OnlyGoroutines, "goroutines", false, "only the goroutine creation tree")
			return func(ctx context.Context, args []string) error {
				if len(args) == 1 {
					var err error
					if r.ID, err = parseID(args[0]); err != nil {
						return err
					}
				}
				d, err := t.q.Tree(ctx, r)
				if err != nil {
					return err
				}
				return t.printWide(d, r.JSON, wide)
			}
		},
	}
}
