package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/query"
)

const psUsage = "ps [-with KEY[=VALUE]] [-state S] [-loc REGEX] [-min-wait D] [-user] [-group creation|location|start|label KEY|parent|task|group|origin|stack] [-cancelled] [-limit N] [-wide] [-json]"

// psFlags are ps's flags, bound where they are declared.
type psFlags struct {
	with, state multiFlag
	loc         string
	minWait     time.Duration
	user        bool
	group       string
	cancelled   bool
	limit       int
	json        bool
	wide        bool
}

func (t *Terminal) psCommand() *command {
	return &command{
		names: []string{"ps", "p"},
		usage: psUsage,
		// ps takes no positional argument but the label key of -group label
		// (checked with the flags).
		maxArgs: -1,
		summary: "List goroutines, filtered or grouped, or the swallowed cancellations.",
		help: "List goroutines: id, parent, state, wait, labels, tracker task and group (with\n" +
			"the tracker), user location, creator. Filters combine; -group prints groups with\n" +
			"counts, largest first (task: by task name; group: by tracker group; origin: by\n" +
			"what each goroutine runs, below spawn helpers; stack: by whole stack). -cancelled\n" +
			"lists swallowed cancellations: goroutines still running after their context was\n" +
			"cancelled, how long ago, and where they are stuck.",
		setup: func(fs *flag.FlagSet) runFunc {
			var f psFlags
			fs.Var(&f.with, "with", "only goroutines with pprof label `KEY` (or KEY=VALUE); repeatable")
			fs.Var(&f.state, "state", "only goroutines in this `STATE` or wait reason (running, chan receive, …); repeatable")
			fs.StringVar(&f.loc, "loc", "", "only goroutines whose location (function or file) matches `REGEX`")
			fs.DurationVar(&f.minWait, "min-wait", 0, "only goroutines blocked at least this long, a duration `D` such as 30s (where the runtime knows)")
			fs.BoolVar(&f.user, "user", false, "hide goroutines the runtime started for itself")
			fs.StringVar(&f.group, "group", "", "group by `KEY`: creation, location, start, label KEY, parent, task, group, origin, stack")
			fs.BoolVar(&f.cancelled, "cancelled", false, "only goroutines still running after their context was cancelled (swallowed cancellations)")
			fs.IntVar(&f.limit, "limit", 0, "show at most `N` goroutines (or groups); 0 shows all")
			fs.BoolVar(&f.json, "json", false, "print JSON")
			fs.BoolVar(&f.wide, "wide", false, "show every column whole, however wide the terminal")
			return func(ctx context.Context, args []string) error { return t.ps(ctx, &f, args) }
		},
	}
}

// request turns ps's flags and arguments into the query's request.
func (f *psFlags) request(args []string) (query.PsRequest, error) {
	r := query.PsRequest{Group: f.group, Cancelled: f.cancelled, Limit: f.limit}
	for _, w := range f.with {
		r.Filter.Labels = append(r.Filter.Labels, chains.ParseLabelMatch(w))
	}
	r.Filter.States = append(r.Filter.States, f.state...)
	if f.loc != "" {
		re, err := regexp.Compile(f.loc)
		if err != nil {
			return r, fmt.Errorf("-loc: %w", err)
		}
		r.Filter.Loc = re
	}
	r.Filter.MinWait = f.minWait
	r.Filter.UserOnly = f.user
	if key, arg, ok := strings.Cut(r.Group, ":"); ok && key == "label" {
		r.Group, r.LabelKey = key, arg
	} else if r.Group == "label" {
		if len(args) == 0 {
			return r, errors.New("-group label needs a label key (-group label KEY)")
		}
		r.LabelKey, args = args[0], args[1:]
	}
	if len(args) > 0 {
		return r, fmt.Errorf("unexpected argument %q (usage: %s)", args[0], psUsage)
	}
	return r, nil
}

func (t *Terminal) ps(ctx context.Context, f *psFlags, args []string) error {
	r, err := f.request(args)
	if err != nil {
		return err
	}
	d, err := t.q.Ps(ctx, r)
	if err != nil {
		return err
	}
	return t.printWide(d, f.json, f.wide)
}
