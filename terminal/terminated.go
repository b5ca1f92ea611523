package terminal

import (
	"context"
	"flag"
	"fmt"
	"regexp"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/query"
)

func (t *Terminal) psTerminatedCommand() *command {
	return &command{
		names:   []string{"ps-terminated", "pst"},
		usage:   "ps-terminated [-name REGEX] [-outcome LIST] [-group NAME|ID] [-limit N] [-runtime] [-json]",
		summary: "List terminated tracker tasks, newest first.",
		help: "List terminated tracker tasks, newest first: task, name, group, outcome, error or\n" +
			"panic text, when it ended (and how long before the tracker's newest record),\n" +
			"duration, and whether the record is preserved outside the history ring.\n" +
			"Without the tracker (or with -runtime): the exited goroutines whose runtime\n" +
			"record has not been reused yet — a partial history the runtime keeps by accident.",
		setup: func(fs *flag.FlagSet) runFunc {
			var name, outcome string
			var r query.PsTerminatedRequest
			var asJSON bool
			fs.StringVar(&name, "name", "", "only tasks whose name matches `REGEX`")
			fs.StringVar(&outcome, "outcome", "", "only these outcomes, a comma-separated `LIST` of returned, error, cancelled, panic, goexit, failed (error and panic)")
			fs.StringVar(&r.Filter.Group, "group", "", "only tasks of this `GROUP` (name or id)")
			fs.IntVar(&r.Limit, "limit", 0, "show at most `N` records; 0 shows all")
			fs.BoolVar(&r.Runtime, "runtime", false, "list the runtime's records of exited goroutines instead of the tracker's")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			return func(ctx context.Context, _ []string) error {
				if name != "" {
					re, err := regexp.Compile(name)
					if err != nil {
						return fmt.Errorf("-name: %w", err)
					}
					r.Filter.Name = re
				}
				var err error
				if r.Filter.Outcomes, err = chains.ParseOutcomes(outcome); err != nil {
					return fmt.Errorf("-outcome: %w", err)
				}
				r.Filter.Limit = r.Limit
				d, err := t.q.PsTerminated(ctx, r)
				if err != nil {
					return err
				}
				return t.print(d, asJSON)
			}
		},
	}
}

func (t *Terminal) whereTerminatedCommand() *command {
	return &command{
		names:   []string{"where-terminated", "wt"},
		usage:   "where-terminated [-json] t:N|GOROUTINE",
		minArgs: 1, maxArgs: 1, missing: "task id",
		summary: "Show how a terminated task ended: outcome, stacks and chains.",
		help: "Show how a terminated task ended, in full: outcome, error or panic value, panic\n" +
			"stack, creation stack, creation chain (parent tasks, live or ended) and, if its\n" +
			"context was cancelled, the cancellation chain. ID is t:N or the goroutine that ran it.",
		setup: func(fs *flag.FlagSet) runFunc {
			var asJSON bool
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			return func(ctx context.Context, args []string) error {
				id, err := parseID(args[0])
				if err != nil {
					return err
				}
				d, err := t.q.WhereTerminated(ctx, id)
				if err != nil {
					return err
				}
				return t.print(d, asJSON)
			}
		},
	}
}
