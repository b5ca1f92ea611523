package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/render"
)

const pstUsage = "ps-terminated [-name REGEX] [-outcome LIST] [-group NAME|ID] [-limit N] [-json]"

func (t *Terminal) psTerminatedCommand() *command {
	return &command{
		names: []string{"ps-terminated", "pst"},
		usage: pstUsage,
		help: "List terminated tracker tasks, newest first: task, name, group, outcome, error or\n" +
			"panic text, when it ended (and how long before the tracker's newest record),\n" +
			"duration, and whether the record is preserved outside the history ring.",
		flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "only tasks whose name matches `REGEX`")
			fs.String("outcome", "", "only these outcomes, comma-separated: returned, error, cancelled, panic, goexit, failed (error and panic)")
			fs.String("group", "", "only tasks of this group (name or id)")
			fs.Int("limit", 0, "show at most N records")
			fs.Bool("json", false, "print JSON")
		},
		exec: func(ctx context.Context, fs *flag.FlagSet, args []string) error {
			if err := wantArgs("ps-terminated", args, 0, 0, pstUsage); err != nil {
				return err
			}
			var f chains.TerminatedFilter
			if s := fs.Lookup("name").Value.String(); s != "" {
				re, err := regexp.Compile(s)
				if err != nil {
					return fmt.Errorf("ps-terminated: -name: %w", err)
				}
				f.Name = re
			}
			var err error
			if f.Outcomes, err = chains.ParseOutcomes(fs.Lookup("outcome").Value.String()); err != nil {
				return fmt.Errorf("ps-terminated: -outcome: %w", err)
			}
			f.Group = fs.Lookup("group").Value.String()
			if f.Limit = fs.Lookup("limit").Value.(flag.Getter).Get().(int); f.Limit < 0 {
				return errors.New("ps-terminated: -limit must be positive")
			}
			tr, err := t.requireTracker(ctx, "ps-terminated")
			if err != nil {
				return err
			}
			ts := chains.SelectTerminated(tr.Terminated, f)
			if fs.Lookup("json").Value.(flag.Getter).Get().(bool) {
				return render.JSON(t.out, render.NewPsTerminatedDoc(tr, ts))
			}
			return render.PsTerminated(t.out, tr, ts)
		},
	}
}

const wtUsage = "where-terminated [-json] t:N|GOROUTINE"

func (t *Terminal) whereTerminatedCommand() *command {
	return &command{
		names: []string{"where-terminated", "wt"},
		usage: wtUsage,
		help: "Show how a terminated task ended, in full: outcome, error or panic value, panic\n" +
			"stack, creation stack, creation chain (parent tasks, live or ended) and, if its\n" +
			"context was cancelled, the cancellation chain. ID is t:N or the goroutine that ran it.",
		flags: func(fs *flag.FlagSet) { fs.Bool("json", false, "print JSON") },
		exec: func(ctx context.Context, fs *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("where-terminated: missing task id (usage: %s)", wtUsage)
			}
			if err := wantArgs("where-terminated", args, 1, 1, wtUsage); err != nil {
				return err
			}
			id, err := parseID("where-terminated", args[0])
			if err != nil {
				return err
			}
			tr, err := t.requireTracker(ctx, "where-terminated")
			if err != nil {
				return err
			}
			// The goroutines are not read for this (it must stay cheap);
			// a snapshot already read at this stop adds where live
			// parents and cancellers are.
			x := chains.NewTaskIndex(tr, t.session.Cached())
			ref, err := x.Resolve(id)
			if err != nil {
				return fmt.Errorf("where-terminated: %w", err)
			}
			if ref.Ended == nil {
				return fmt.Errorf("where-terminated: task %s is still running (try where %d or cancel-chain t:%d)",
					render.TaskName(&ref.Task), ref.Task.GoroutineID, ref.Task.ID)
			}
			chain := x.CreationChain(ref.Task.ID)
			hops, err := x.CancelChain(chains.ID{Task: ref.Task.ID})
			if err != nil && !errors.Is(err, chains.ErrUntrackedContext) {
				return fmt.Errorf("where-terminated: %w", err)
			}
			if len(hops) == 0 {
				hops = nil
			}
			if fs.Lookup("json").Value.(flag.Getter).Get().(bool) {
				return render.JSON(t.out, render.NewWhereTerminatedDoc(tr, *ref.Ended, chain, hops))
			}
			return render.WhereTerminated(t.out, tr, ref.Ended, chain, hops)
		},
	}
}
