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

func (t *Terminal) whereCommand() *command {
	return &command{
		names: []string{"where", "w"},
		usage: "where [-depth N] [-json] ID",
		help: "Show goroutine ID's stack, then its creation chain up to main: for each\n" +
			"creator, the go statement and where it is now (or that it exited); with\n" +
			"GODEBUG=tracebackancestors=N in the target, the creators' recorded stacks.",
		flags: func(fs *flag.FlagSet) {
			fs.Int("depth", dlvclient.DefaultStackDepth, "stack frames to read")
			fs.Bool("json", false, "print JSON")
		},
		exec: func(ctx context.Context, fs *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("where: %w (usage: where [-depth N] [-json] ID)", errNoID)
			}
			if err := wantArgs("where", args, 1, 1, "where [-depth N] [-json] ID"); err != nil {
				return err
			}
			id, err := parseGoroutineID(args[0])
			if err != nil {
				return err
			}
			snap, err := t.snapshot(ctx)
			if err != nil {
				return err
			}
			g := snap.Goroutine(id)
			if g == nil && snap.ExitedGoroutine(id) == nil {
				return fmt.Errorf("where: goroutine %d: %w", id, dlvclient.ErrUnknownGoroutine)
			}
			var frames []model.Frame
			var more bool
			var ancestors []model.Ancestor
			if g != nil {
				depth := fs.Lookup("depth").Value.(flag.Getter).Get().(int)
				if frames, more, err = t.session.StackCut(id, depth); err != nil {
					return err
				}
				if ancestors, _, err = t.session.Ancestors(id, dlvclient.MaxAncestors, dlvclient.AncestorStackMax); err != nil && !errors.Is(err, dlvclient.ErrExited) {
					fmt.Fprintf(t.errOut, "note: %v\n", err)
				}
			}
			chain, err := chains.CreationChainWithAncestors(snap, id, ancestors)
			if err != nil {
				return err
			}
			if fs.Lookup("json").Value.(flag.Getter).Get().(bool) {
				return render.JSON(t.out, render.NewWhereDoc(g, frames, more, chain, ancestors))
			}
			if g == nil {
				fmt.Fprintf(t.out, "goroutine %d has exited; its runtime record survives (partial history):\n", id)
			}
			return render.Where(t.out, g, frames, more, chain, ancestors)
		},
	}
}
