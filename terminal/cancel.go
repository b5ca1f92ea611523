package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

func (t *Terminal) cancelChainCommand() *command {
	return &command{
		names:   []string{"cancel-chain", "cc"},
		usage:   "cancel-chain [-json] ID|t:N",
		minArgs: 1, maxArgs: 1, missing: "id",
		summary: "Show who cancelled a goroutine's or task's context, hop by hop.",
		help: "Show who cancelled ID's context, hop by hop until the origin: which context,\n" +
			"how (explicit cancel, parent cancelled, deadline), by which goroutine and task\n" +
			"(alive or exited), its stack at the cancel, the cause. ID is a goroutine or t:N\n" +
			"(live or terminated). Without the tracker, for a goroutine: the contexts in its\n" +
			"frames walked to the root, with the first cancelled one, its error, cause, deadline.",
		setup: func(fs *flag.FlagSet) runFunc {
			var asJSON bool
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			return func(ctx context.Context, args []string) error {
				id, err := parseID(args[0])
				if err != nil {
					return err
				}
				d, err := t.q.CancelChain(ctx, id)
				if err != nil {
					return err
				}
				return t.print(d, asJSON)
			}
		},
	}
}

func (t *Terminal) breakCancelCommand() *command {
	return &command{
		names:   []string{"break-cancel", "bc"},
		usage:   "break-cancel ID|t:N",
		minArgs: 1, maxArgs: 1, missing: "id",
		summary: "Stop the live target when a goroutine's or task's context is cancelled.",
		help: "Stop the live target when the context of ID (a goroutine, or t:N) — or any\n" +
			"context it derives from — is cancelled, in the canceller's own stack; each\n" +
			"further continue stops at the next hop as cancellation propagates.\n" +
			"Remove it with clear NAME.",
		setup: noFlags(func(ctx context.Context, args []string) error {
			if !t.session.Live() {
				return t.notLive()
			}
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			gid, _, err := t.q.LiveGoroutine(ctx, id)
			if err != nil {
				return err
			}
			bp, err := t.session.BreakOnCancel(gid)
			if err != nil {
				return err
			}
			fmt.Fprintf(t.errOut, "Breakpoint %s set at %s: continue stops when goroutine %d's context is cancelled (clear %s removes it)\n",
				bp.Name, formatLoc(bp.Location), gid, bp.Name)
			return nil
		}),
	}
}

func (t *Terminal) cancelCommand() *command {
	return &command{
		names:   []string{"cancel"},
		usage:   "cancel [-y] ID|t:N",
		minArgs: 1, maxArgs: 1, missing: "task id",
		summary: "Cancel the context of a running tracker task in the live target.",
		help: "Cancel the context of a running tracker task (t:N, or the goroutine running it)\n" +
			"by a function call in the live target. Asks first; -y does not (required in\n" +
			"one-shot mode). Not possible on a core dump.",
		setup: func(fs *flag.FlagSet) runFunc {
			var yes bool
			fs.BoolVar(&yes, "y", false, "do not ask for confirmation")
			return func(ctx context.Context, args []string) error {
				id, err := parseID(args[0])
				if err != nil {
					return err
				}
				if !t.session.Live() {
					return t.notLive()
				}
				if err := t.q.RequireTracker(ctx); err != nil {
					return err
				}
				gid, task, err := t.q.LiveGoroutine(ctx, id)
				if err != nil {
					return err
				}
				if task == nil {
					return fmt.Errorf("goroutine %d runs no tracker task", gid)
				}
				name := render.TaskName(task)
				if !yes {
					if t.Confirm == nil {
						return fmt.Errorf("cancelling %s needs confirmation: pass -y", name)
					}
					if !t.Confirm(fmt.Sprintf("Cancel the context of task %s (goroutine %d)?", name, gid)) {
						fmt.Fprintln(t.out, "Not cancelled.")
						return nil
					}
				}
				done, err := t.session.CancelTask(task.ID)
				if errors.Is(err, model.ErrCallInterrupted) {
					// A break-cancel breakpoint caught the cancellation mid-call:
					// the user is where they asked to be, in the canceller.
					fmt.Fprintf(t.errOut, "The cancellation of %s stopped at a breakpoint inside the call: where, next and step work from here; continue finishes the call\n", name)
					return nil
				}
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				if done {
					fmt.Fprintf(t.out, "Cancelled the context of task %s (goroutine %d); continue to let it react\n", name, gid)
				} else {
					fmt.Fprintf(t.out, "The context of task %s was already cancelled\n", name)
				}
				return nil
			}
		},
	}
}

// notLive is the error for a command that needs a process, worded for the
// session's kind (a core, or a goroutine dump read from text).
func (t *Terminal) notLive() error {
	if snap := t.session.Cached(); snap != nil && snap.Target.Kind == model.KindDump {
		return model.ErrDumpNotLive
	}
	return model.ErrNotLive
}
