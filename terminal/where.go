package terminal

import (
	"context"
	"flag"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
)

func (t *Terminal) whereCommand() *command {
	return &command{
		names:   []string{"where", "w"},
		usage:   "where [-depth N] [-json] ID|t:N",
		minArgs: 1, maxArgs: 1, missing: "goroutine id",
		summary: "Show a goroutine's stack, then its creation chain up to main.",
		help: "Show goroutine ID's stack (or live task t:N's), then its creation chain up to\n" +
			"main: for each creator, the go statement and where it is now (or that it\n" +
			"exited); with GODEBUG=tracebackancestors=N in the target, the creators'\n" +
			"recorded stacks.",
		setup: func(fs *flag.FlagSet) runFunc {
			var depth int
			var asJSON bool
			fs.IntVar(&depth, "depth", model.DefaultStackDepth, "read at most `N` stack frames")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			return func(ctx context.Context, args []string) error {
				id, err := parseID(args[0])
				if err != nil {
					return err
				}
				d, err := t.q.Where(ctx, query.WhereRequest{ID: id, Depth: depth})
				if err != nil {
					return err
				}
				return t.print(d, asJSON)
			}
		},
	}
}
