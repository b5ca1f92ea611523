package terminal

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

const psUsage = "ps [-with KEY[=VALUE]] [-state S] [-loc REGEX] [-min-wait D] [-user] [-group creation|location|start|label KEY|parent|task|group|origin|stack] [-cancelled] [-limit N] [-json]"

func (t *Terminal) psCommand() *command {
	return &command{
		names: []string{"ps", "p"},
		usage: psUsage,
		help: "List goroutines: id, parent, state, wait, labels, tracker task and group (with\n" +
			"the tracker), user location, creator. Filters combine; -group prints groups with\n" +
			"counts, largest first (task: by task name; group: by tracker group; origin: by\n" +
			"what each goroutine runs, below spawn helpers; stack: by whole stack). -cancelled\n" +
			"lists swallowed cancellations: goroutines still running after their context was\n" +
			"cancelled, how long ago, and where they are stuck.",
		flags: func(fs *flag.FlagSet) {
			fs.Var(new(multiFlag), "with", "only goroutines with pprof label KEY (or KEY=VALUE); repeatable")
			fs.Var(new(multiFlag), "state", "only goroutines in this state or wait reason (running, chan receive, …); repeatable")
			fs.String("loc", "", "only goroutines whose location (function or file) matches `REGEX`")
			fs.Duration("min-wait", 0, "only goroutines blocked at least this long (where the runtime knows)")
			fs.Bool("user", false, "hide goroutines the runtime started for itself")
			fs.String("group", "", "group by `KEY`: creation, location, start, label KEY, parent, task, group, origin, stack")
			fs.Bool("cancelled", false, "only goroutines still running after their context was cancelled (swallowed cancellations)")
			fs.Int("limit", 0, "show at most N goroutines (or groups)")
			fs.Bool("json", false, "print JSON")
		},
		exec: t.ps,
	}
}

// psOptions are ps's parsed flags.
type psOptions struct {
	filter    chains.Filter
	group     string
	labelKey  string
	limit     int
	json      bool
	cancelled bool
}

func parsePsFlags(fs *flag.FlagSet, args []string) (psOptions, error) {
	var o psOptions
	for _, w := range *fs.Lookup("with").Value.(*multiFlag) {
		o.filter.Labels = append(o.filter.Labels, chains.ParseLabelMatch(w))
	}
	for _, s := range *fs.Lookup("state").Value.(*multiFlag) {
		o.filter.States = append(o.filter.States, s)
	}
	if loc := fs.Lookup("loc").Value.String(); loc != "" {
		re, err := regexp.Compile(loc)
		if err != nil {
			return o, fmt.Errorf("ps: -loc: %w", err)
		}
		o.filter.Loc = re
	}
	o.filter.MinWait = fs.Lookup("min-wait").Value.(flag.Getter).Get().(time.Duration)
	o.filter.UserOnly = fs.Lookup("user").Value.(flag.Getter).Get().(bool)
	o.limit = fs.Lookup("limit").Value.(flag.Getter).Get().(int)
	o.json = fs.Lookup("json").Value.(flag.Getter).Get().(bool)
	o.cancelled = fs.Lookup("cancelled").Value.(flag.Getter).Get().(bool)
	o.group = fs.Lookup("group").Value.String()
	if key, arg, ok := strings.Cut(o.group, ":"); ok && key == "label" {
		o.group, o.labelKey = key, arg
	} else if o.group == "label" {
		if len(args) == 0 {
			return o, fmt.Errorf("ps: -group label needs a label key (-group label KEY)")
		}
		o.labelKey, args = args[0], args[1:]
	}
	if len(args) > 0 {
		return o, fmt.Errorf("ps: unexpected argument %q (usage: %s)", args[0], psUsage)
	}
	if o.limit < 0 {
		return o, fmt.Errorf("ps: -limit must be positive")
	}
	return o, nil
}

func (t *Terminal) ps(ctx context.Context, fs *flag.FlagSet, args []string) error {
	o, err := parsePsFlags(fs, args)
	if err != nil {
		return err
	}
	var key chains.GroupKey
	if o.group != "" {
		if key, err = chains.ParseGroupKey(o.group); err != nil {
			return fmt.Errorf("ps: %w", err)
		}
	}
	snap, err := t.snapshot(ctx)
	if err != nil {
		return err
	}
	selected := chains.Select(snap.Goroutines, o.filter)
	if o.cancelled {
		if o.group != "" {
			return fmt.Errorf("ps: -cancelled and -group do not combine")
		}
		return t.psCancelled(ctx, snap, selected, o)
	}
	if o.group != "" {
		var facts *chains.StackFacts
		if key.NeedsStacks() {
			facts = &chains.StackFacts{Stacks: t.session.Stacks(ctx, goroutineIDs(selected), dlvclient.WholeStackDepth)}
			if key == chains.GroupByOrigin {
				facts.IndirectCalls = t.session.IndirectCalls(chains.SpawnCallSites(selected, facts.Stacks))
			}
		}
		groups := chains.GroupGoroutinesWithStacks(selected, key, o.labelKey, facts)
		if o.limit > 0 && len(groups) > o.limit {
			groups = groups[:o.limit]
		}
		if o.json {
			return render.JSON(t.out, render.NewGroupDocs(groups))
		}
		return render.Groups(t.out, groups, describeGroupKey(o.group, o.labelKey))
	}
	if o.limit > 0 && len(selected) > o.limit {
		selected = selected[:o.limit]
	}
	if o.json {
		return render.JSON(t.out, render.PsJSON(selected))
	}
	return render.PsTable(t.out, selected, len(snap.Goroutines))
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
