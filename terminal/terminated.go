package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

const pstUsage = "ps-terminated [-name REGEX] [-outcome LIST] [-group NAME|ID] [-limit N] [-runtime] [-json]"

func (t *Terminal) psTerminatedCommand() *command {
	return &command{
		names: []string{"ps-terminated", "pst"},
		usage: pstUsage,
		help: "List terminated tracker tasks, newest first: task, name, group, outcome, error or\n" +
			"panic text, when it ended (and how long before the tracker's newest record),\n" +
			"duration, and whether the record is preserved outside the history ring.\n" +
			"Without the tracker (or with -runtime): the exited goroutines whose runtime\n" +
			"record has not been reused yet — a partial history the runtime keeps by accident.",
		flags: func(fs *flag.FlagSet) {
			fs.String("name", "", "only tasks whose name matches `REGEX`")
			fs.String("outcome", "", "only these outcomes, comma-separated: returned, error, cancelled, panic, goexit, failed (error and panic)")
			fs.String("group", "", "only tasks of this group (name or id)")
			fs.Int("limit", 0, "show at most N records")
			fs.Bool("runtime", false, "list the runtime's records of exited goroutines instead of the tracker's")
			fs.Bool("json", false, "print JSON")
		},
		exec: func(ctx context.Context, fs *flag.FlagSet, args []string) error {
			if err := wantArgs("ps-terminated", args, 0, 0, pstUsage); err != nil {
				return err
			}
			if fs.Lookup("runtime").Value.(flag.Getter).Get().(bool) {
				return t.psExitedGoroutines(ctx, fs)
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
			tr, err := t.requireHistory(ctx, "ps-terminated")
			if errors.Is(err, chains.ErrNoTracker) {
				return t.psExitedGoroutines(ctx, fs)
			}
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
			// The goroutines are not read for this (it must stay cheap);
			// a snapshot already read at this stop adds where live
			// parents and cancellers are. The history alone (no live
			// arena) answers unless the chains reach a live task.
			r, err := t.terminatedChains(ctx, id, true)
			if errors.Is(err, errNotInHistory) || (err == nil && !r.complete()) {
				r, err = t.terminatedChains(ctx, id, false)
			}
			if err != nil {
				return err
			}
			tr, ref, chain, hops := r.tr, r.ref, r.chain, r.hops
			if ref.Ended == nil {
				return fmt.Errorf("where-terminated: task %s is still running (try where %d or cancel-chain t:%d)",
					render.TaskName(&ref.Task), ref.Task.GoroutineID, ref.Task.ID)
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

// errNotInHistory says a task was not found among the ended ones.
var errNotInHistory = errors.New("not in the history")

// endedChains is a task resolved for where-terminated, with its chains.
type endedChains struct {
	tr    *model.Tracker
	ref   chains.TaskRef
	chain []chains.TaskAncestor
	hops  []chains.CancelHop
}

// terminatedChains resolves id and builds its creation and cancellation
// chains from the tracker's history only, or from a full read.
func (t *Terminal) terminatedChains(ctx context.Context, id chains.ID, historyOnly bool) (endedChains, error) {
	var r endedChains
	var err error
	if historyOnly {
		r.tr, err = t.requireHistory(ctx, "where-terminated")
	} else {
		r.tr, err = t.requireTracker(ctx, "where-terminated")
	}
	if err != nil {
		return r, err
	}
	x := chains.NewTaskIndex(r.tr, t.session.Cached())
	if r.ref, err = x.Resolve(id); err != nil {
		if historyOnly {
			return r, errNotInHistory
		}
		return r, fmt.Errorf("where-terminated: %w", err)
	}
	if r.ref.Ended == nil {
		return r, nil
	}
	r.chain = x.CreationChain(r.ref.Task.ID)
	r.hops, err = x.CancelChain(chains.ID{Task: r.ref.Task.ID})
	if err != nil && !errors.Is(err, chains.ErrUntrackedContext) {
		return r, fmt.Errorf("where-terminated: %w", err)
	}
	return r, nil
}

// complete reports whether every task the chains name was found (else a
// live task is involved and the live arena must be read).
func (r endedChains) complete() bool {
	for _, a := range r.chain {
		if !a.Known {
			return false
		}
	}
	for _, h := range r.hops {
		if h.CancellerTask != 0 && !h.CancellerKnown {
			return false
		}
	}
	return true
}

// psExitedGoroutines lists the runtime's records of exited goroutines (dead
// runtime.g structs not reused yet): id, parent, creation site and start
// function. Without the tracker, the output says so first.
func (t *Terminal) psExitedGoroutines(ctx context.Context, fs *flag.FlagSet) error {
	snap, err := t.snapshot(ctx)
	if err != nil {
		return err
	}
	exited := snap.Exited
	if limit := fs.Lookup("limit").Value.(flag.Getter).Get().(int); limit > 0 && len(exited) > limit {
		exited = exited[:limit]
	}
	if fs.Lookup("json").Value.(flag.Getter).Get().(bool) {
		return render.JSON(t.out, render.NewExitedDoc(exited, len(snap.Exited), snap.Tracker != nil))
	}
	if snap.Tracker == nil {
		fmt.Fprintln(t.out, "The target does not use the tracker: no record of how tasks ended.")
	}
	return render.ExitedGoroutines(t.out, exited, len(snap.Exited))
}
