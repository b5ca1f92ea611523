package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

const ccUsage = "cancel-chain [-json] ID"

func (t *Terminal) cancelChainCommand() *command {
	return &command{
		names: []string{"cancel-chain", "cc"},
		usage: ccUsage,
		help: "Show who cancelled ID's context, hop by hop until the origin: which context,\n" +
			"how (explicit cancel, parent cancelled, deadline), by which goroutine and task\n" +
			"(alive or exited), its stack at the cancel, the cause. ID is a goroutine or t:N\n" +
			"(live or terminated). Without the tracker, for a goroutine: the contexts in its\n" +
			"frames walked to the root, with the first cancelled one, its error, cause, deadline.",
		flags: func(fs *flag.FlagSet) { fs.Bool("json", false, "print JSON") },
		exec: func(ctx context.Context, fs *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("cancel-chain: missing id (usage: %s)", ccUsage)
			}
			if err := wantArgs("cancel-chain", args, 1, 1, ccUsage); err != nil {
				return err
			}
			id, err := parseID("cancel-chain", args[0])
			if err != nil {
				return err
			}
			asJSON := fs.Lookup("json").Value.(flag.Getter).Get().(bool)
			snap, tr, err := t.snapshotWithTracker(ctx)
			if err != nil {
				return err
			}
			if tr == nil {
				if id.IsTask() {
					return fmt.Errorf("cancel-chain: %w", chains.ErrNoTracker)
				}
				return t.contextChains(snap, id.Goroutine, asJSON)
			}
			x := chains.NewTaskIndex(tr, snap)
			ref, err := x.Resolve(id)
			if err != nil {
				if !id.IsTask() && snap.Goroutine(id.Goroutine) != nil {
					return t.contextChains(snap, id.Goroutine, asJSON) // not a task
				}
				return fmt.Errorf("cancel-chain: %w", err)
			}
			hops, err := x.CancelChain(chains.ID{Task: ref.Task.ID})
			if errors.Is(err, chains.ErrUntrackedContext) && ref.Live && ref.Goroutine != nil {
				fmt.Fprintf(t.errOut, "note: %s runs under a context the tracker does not record; walking its frames' contexts\n", render.TaskName(&ref.Task))
				return t.contextChains(snap, ref.Goroutine.ID, asJSON)
			}
			if err != nil {
				return fmt.Errorf("cancel-chain: %s: %w", render.TaskName(&ref.Task), err)
			}
			if asJSON {
				task := render.NewTaskRefDoc(ref.Task.ID, true, ref)
				return render.JSON(t.out, render.CancelChainDoc{Task: &task, Hops: render.NewCancelHopDocs(tr, hops), Contexts: []model.ContextChain{}})
			}
			return render.CancelChain(t.out, tr, &ref.Task, hops)
		},
	}
}

// contextChains shows the contexts in goroutine gid's frames.
func (t *Terminal) contextChains(snap *model.Snapshot, gid int64, asJSON bool) error {
	if snap.Goroutine(gid) == nil {
		return fmt.Errorf("cancel-chain: goroutine %d: %w", gid, dlvclient.ErrUnknownGoroutine)
	}
	cs, err := t.session.Contexts(gid)
	if err != nil {
		return fmt.Errorf("cancel-chain: %w", err)
	}
	if asJSON {
		if cs == nil {
			cs = []model.ContextChain{}
		}
		return render.JSON(t.out, render.CancelChainDoc{Hops: []render.CancelHopDoc{}, Contexts: cs})
	}
	return render.ContextChains(t.out, gid, cs)
}

// goroutineOfID returns the live goroutine named by id: goroutine N, or the
// goroutine running live task t:N.
func (t *Terminal) goroutineOfID(ctx context.Context, cmd string, id chains.ID) (int64, *model.Task, error) {
	snap, tr, err := t.snapshotWithTracker(ctx)
	if err != nil {
		return 0, nil, err
	}
	if !id.IsTask() {
		if snap.Goroutine(id.Goroutine) == nil {
			return 0, nil, fmt.Errorf("%s: goroutine %d: %w", cmd, id.Goroutine, dlvclient.ErrUnknownGoroutine)
		}
		var task *model.Task
		if tr != nil {
			if ref, err := chains.NewTaskIndex(tr, snap).Resolve(id); err == nil && ref.Live {
				task = &ref.Task
			}
		}
		return id.Goroutine, task, nil
	}
	if tr == nil {
		return 0, nil, fmt.Errorf("%s: %w", cmd, chains.ErrNoTracker)
	}
	ref, err := chains.NewTaskIndex(tr, snap).Resolve(id)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if !ref.Live {
		return 0, nil, fmt.Errorf("%s: task %s has already ended (%s)", cmd, render.TaskName(&ref.Task), ref.Ended.Outcome)
	}
	gid := ref.Task.GoroutineID
	if ref.Goroutine != nil {
		gid = ref.Goroutine.ID
	}
	if gid == 0 {
		return 0, nil, fmt.Errorf("%s: task %s has no goroutine yet", cmd, render.TaskName(&ref.Task))
	}
	return gid, &ref.Task, nil
}

const breakCancelUsage = "break-cancel ID"

func (t *Terminal) breakCancelCommand() *command {
	return &command{
		names: []string{"break-cancel", "bc"},
		usage: breakCancelUsage,
		help: "Stop the live target when the context of ID (a goroutine, or t:N) — or any\n" +
			"context it derives from — is cancelled, in the canceller's own stack; each\n" +
			"further continue stops at the next hop as cancellation propagates.\n" +
			"Remove it with clear NAME.",
		exec: func(ctx context.Context, _ *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("break-cancel: missing id (usage: %s)", breakCancelUsage)
			}
			if err := wantArgs("break-cancel", args, 1, 1, breakCancelUsage); err != nil {
				return err
			}
			if !t.session.Live() {
				return fmt.Errorf("break-cancel: %w", dlvclient.ErrNotLive)
			}
			id, err := parseID("break-cancel", args[0])
			if err != nil {
				return err
			}
			gid, _, err := t.goroutineOfID(ctx, "break-cancel", id)
			if err != nil {
				return err
			}
			bp, err := t.session.BreakOnCancel(gid)
			if err != nil {
				return fmt.Errorf("break-cancel: %w", err)
			}
			fmt.Fprintf(t.out, "Breakpoint %s set at %s: continue stops when goroutine %d's context is cancelled (clear %s removes it)\n",
				bp.Name, formatLoc(bp.Location), gid, bp.Name)
			return nil
		},
	}
}

const cancelUsage = "cancel [-y] ID"

func (t *Terminal) cancelCommand() *command {
	return &command{
		names: []string{"cancel"},
		usage: cancelUsage,
		help: "Cancel the context of a running tracker task (t:N, or the goroutine running it)\n" +
			"by a function call in the live target. Asks first; -y does not (required in\n" +
			"one-shot mode). Not possible on a core dump.",
		flags: func(fs *flag.FlagSet) { fs.Bool("y", false, "do not ask for confirmation") },
		exec: func(ctx context.Context, fs *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("cancel: missing task id (usage: %s)", cancelUsage)
			}
			if err := wantArgs("cancel", args, 1, 1, cancelUsage); err != nil {
				return err
			}
			id, err := parseID("cancel", args[0])
			if err != nil {
				return err
			}
			if !t.session.Live() {
				return fmt.Errorf("cancel: %w", dlvclient.ErrNotLive)
			}
			if _, err := t.requireTracker(ctx, "cancel"); err != nil {
				return err
			}
			gid, task, err := t.goroutineOfID(ctx, "cancel", id)
			if err != nil {
				return err
			}
			if task == nil {
				return fmt.Errorf("cancel: goroutine %d runs no tracker task", gid)
			}
			name := render.TaskName(task)
			if !fs.Lookup("y").Value.(flag.Getter).Get().(bool) {
				if t.Confirm == nil {
					return fmt.Errorf("cancel: cancelling %s needs confirmation: pass -y", name)
				}
				if !t.Confirm(fmt.Sprintf("Cancel the context of task %s (goroutine %d)?", name, gid)) {
					fmt.Fprintln(t.out, "Not cancelled.")
					return nil
				}
			}
			done, err := t.session.CancelTask(task.ID)
			if err != nil {
				return fmt.Errorf("cancel: %s: %w", name, err)
			}
			if done {
				fmt.Fprintf(t.out, "Cancelled the context of task %s (goroutine %d); continue to let it react\n", name, gid)
			} else {
				fmt.Fprintf(t.out, "The context of task %s was already cancelled\n", name)
			}
			return nil
		},
	}
}
