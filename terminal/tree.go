package terminal

import (
	"context"
	"flag"
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/render"
)

func (t *Terminal) pstreeCommand() *command {
	return &command{
		names: []string{"pstree", "pt"},
		usage: "pstree [-json] [-full] [ID]",
		help: "Show the creation tree (who created whom), whole or below goroutine ID.\n" +
			"Goroutines whose creator exited hang under a marker for it; identical\nsibling subtrees collapse with a count.",
		flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "print JSON")
			fs.Bool("full", false, "do not collapse identical subtrees")
		},
		exec: func(ctx context.Context, fs *flag.FlagSet, args []string) error {
			if err := wantArgs("pstree", args, 0, 1, "pstree [-json] [ID]"); err != nil {
				return err
			}
			snap, err := t.snapshot(ctx)
			if err != nil {
				return err
			}
			roots := chains.BuildTree(snap)
			if len(args) == 1 {
				id, err := parseGoroutineID(args[0])
				if err != nil {
					return err
				}
				node := chains.Subtree(roots, id)
				if node == nil {
					return fmt.Errorf("pstree: unknown goroutine %d", id)
				}
				roots = []*chains.Node{node}
			}
			if !fs.Lookup("full").Value.(flag.Getter).Get().(bool) {
				roots = chains.Collapse(roots)
			}
			if fs.Lookup("json").Value.(flag.Getter).Get().(bool) {
				return render.JSON(t.out, render.NewTreeDocs(roots))
			}
			return render.Tree(t.out, roots)
		},
	}
}
