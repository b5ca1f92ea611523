package terminal

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// commandTable lists every prompt command.
func (t *Terminal) commandTable() []*command {
	return []*command{
		t.psCommand(),
		t.pstreeCommand(),
		t.whereCommand(),
		t.psTerminatedCommand(),
		t.whereTerminatedCommand(),
		t.cancelChainCommand(),
		t.breakCancelCommand(),
		t.cancelCommand(),
		t.webCommand(), t.reportCommand(),
		t.snapshotCommand(),
		t.snapshotsCommand(),
		t.diffCommand(),
		t.topCommand(),
		{names: []string{"continue", "c"}, usage: "continue",
			summary: "Resume the target until a breakpoint or exit.",
			help:    "Resume the target until a breakpoint or exit; Ctrl-C halts it.",
			setup:   noFlags(func(ctx context.Context, _ []string) error { return t.continueTarget(ctx) })},
		t.stepper([]string{"halt"}, "Stop the running target.", Session.Halt),
		t.stepper([]string{"next", "n"}, "Step over to the next source line.", Session.Next),
		t.stepper([]string{"step", "s"}, "Step into the next source line.", Session.Step),
		t.stepper([]string{"stepout", "so"}, "Run until the current function returns.", Session.StepOut),
		{names: []string{"break", "b"}, usage: "break LOCATION [CONDITION]", minArgs: 1, maxArgs: -1, missing: "location",
			summary: "Set a breakpoint, with an optional condition.",
			help: "Set a breakpoint at LOCATION (main.f, file.go:12, *0xaddr); an optional\n" +
				"condition is a Go expression evaluated at the breakpoint.",
			setup: noFlags(func(_ context.Context, args []string) error {
				bp, err := t.session.Break(args[0], strings.Join(args[1:], " "))
				if err != nil {
					return err
				}
				fmt.Fprintf(t.errOut, "Breakpoint %d set at %s %s:%d\n", bp.ID, bp.Location.Function, bp.Location.File, bp.Location.Line)
				return nil
			})},
		{names: []string{"breakpoints", "bp"}, usage: "breakpoints",
			summary: "List breakpoints.",
			help:    "List breakpoints.",
			setup: noFlags(func(_ context.Context, _ []string) error {
				bps, err := t.session.Breakpoints()
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(t.out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tLOCATION\tHITS\tCONDITION")
				for _, bp := range bps {
					fmt.Fprintf(tw, "%d\t%s %s:%d\t%d\t%s\n", bp.ID, bp.Location.Function, bp.Location.File, bp.Location.Line, bp.HitCount, bp.Cond)
				}
				return tw.Flush()
			})},
		{names: []string{"clear"}, usage: "clear ID|NAME", minArgs: 1, maxArgs: 1, missing: "breakpoint id or name",
			summary: "Delete a breakpoint.",
			help:    "Delete a breakpoint.",
			setup: noFlags(func(_ context.Context, args []string) error {
				bp, err := t.session.ClearBreakpoint(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(t.errOut, "Breakpoint %d cleared at %s %s:%d\n", bp.ID, bp.Location.Function, bp.Location.File, bp.Location.Line)
				return nil
			})},
		{names: []string{"goroutine", "gr"}, usage: "goroutine [ID|t:N]", maxArgs: 1,
			summary: "Show or select the goroutine that print, next and step act on.",
			help: "Show the selected goroutine, or select goroutine ID (or the goroutine running\n" +
				"live task t:N) for print, next, step.",
			setup: noFlags(func(ctx context.Context, args []string) error {
				if len(args) == 0 {
					st, err := t.session.State()
					if err != nil {
						return err
					}
					fmt.Fprintf(t.out, "Goroutine %d at %s\n", st.GoroutineID, formatLoc(st.Location))
					return nil
				}
				id, err := parseID(args[0])
				if err != nil {
					return err
				}
				gid, err := t.goroutineOf(ctx, id)
				if err != nil {
					return err
				}
				st, err := t.session.SwitchGoroutine(gid)
				if err != nil {
					return err
				}
				t.selected = gid
				fmt.Fprintf(t.errOut, "Switched to goroutine %d at %s\n", gid, formatLoc(st.Location))
				return nil
			})},
		{names: []string{"print"}, usage: "print [-g ID|t:N] [-frame N] EXPR", minArgs: 1, maxArgs: -1, missing: "expression",
			summary: "Evaluate a Go expression and print it.",
			help:    "Evaluate a Go expression in the selected goroutine (or goroutine ID, or live\ntask t:N's goroutine) and print it.",
			setup: func(fs *flag.FlagSet) runFunc {
				var g idFlag
				var frame int
				fs.Var(&g, "g", "goroutine to evaluate in: `ID` or t:N (default: the selected one)")
				fs.IntVar(&frame, "frame", 0, "stack frame `N` to evaluate in (0: the innermost)")
				return func(ctx context.Context, args []string) error {
					gid := t.selected
					if g != (idFlag{}) {
						var err error
						if gid, err = t.goroutineOf(ctx, chains.ID(g)); err != nil {
							return err
						}
					}
					v, err := t.session.Eval(gid, frame, strings.Join(args, " "))
					if err != nil {
						return err
					}
					fmt.Fprintln(t.out, render.Safe(v))
					return nil
				}
			}},
		{names: []string{"dump"}, usage: "dump FILE", minArgs: 1, maxArgs: 1, missing: "file name",
			summary: "Write a core dump of the live target.",
			help:    "Write a core dump of the live target to FILE (read it later with dlv-tasks core).",
			setup: noFlags(func(_ context.Context, args []string) error {
				if err := t.session.Dump(args[0]); err != nil {
					return err
				}
				fmt.Fprintf(t.errOut, "Core dump written to %s\n", args[0])
				return nil
			})},
		{names: []string{"help", "h"}, usage: "help [COMMAND]", maxArgs: 1,
			summary: "List commands, or describe one.",
			help:    "List commands, or describe one.",
			setup:   noFlags(func(_ context.Context, args []string) error { return t.help(args) })},
		{names: []string{"exit", "quit", "q"}, usage: "exit",
			summary: "Leave dlv-tasks.",
			help:    "Leave dlv-tasks (detaching from, or killing, the target as the session requires).",
			setup:   noFlags(func(context.Context, []string) error { return ErrExit })},
	}
}

// goroutineOf returns the goroutine id names: goroutine N as given (the
// debugger says if it does not exist), or live task t:N's goroutine.
func (t *Terminal) goroutineOf(ctx context.Context, id chains.ID) (int64, error) {
	if !id.IsTask() {
		return id.Goroutine, nil
	}
	gid, _, err := t.q.LiveGoroutine(ctx, id)
	return gid, err
}

// stepper builds a command that runs the target a little and shows where it
// stopped.
func (t *Terminal) stepper(names []string, help string, step func(Session) (model.StopState, error)) *command {
	return &command{names: names, usage: names[0], summary: help, help: help,
		setup: noFlags(func(context.Context, []string) error {
			st, err := step(t.session)
			if err != nil {
				return err
			}
			printState(t.errOut, st)
			return nil
		})}
}

// continueTarget resumes the target; Ctrl-C (ctx cancelled) halts it.
func (t *Terminal) continueTarget(ctx context.Context) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			_, _ = t.session.Halt()
		case <-done:
		}
	}()
	st, err := t.session.Continue()
	if err != nil {
		return err
	}
	// Where the target stopped is shown even when Ctrl-C stopped it.
	printState(t.errOut, st)
	return nil
}

func printState(w io.Writer, st model.StopState) {
	if st.Exited {
		fmt.Fprintf(w, "Process exited with status %d\n", st.ExitStatus)
		return
	}
	bp := ""
	if st.Breakpoint != "" {
		bp = fmt.Sprintf(" (breakpoint %s)", st.Breakpoint)
	}
	if st.GoroutineID == 0 {
		// Halted with no goroutine selected: a thread outside any goroutine
		// (in the scheduler, or in a system call of its own).
		fmt.Fprintf(w, "> stopped at %s%s (in a thread outside any goroutine)\n", formatLoc(st.Location), bp)
	} else {
		fmt.Fprintf(w, "> goroutine %d stopped at %s%s\n", st.GoroutineID, formatLoc(st.Location), bp)
	}
	if st.StepInterrupted {
		fmt.Fprintln(w, "  (another goroutine hit a breakpoint before the step completed; the step was cancelled)")
	}
}

func (t *Terminal) help(args []string) error {
	if len(args) == 0 {
		tw := tabwriter.NewWriter(t.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Commands (aliases after the slash):")
		for _, c := range t.commands {
			fmt.Fprintf(tw, "  %s\t%s\n", strings.Join(c.names, " / "), c.summary)
		}
		fmt.Fprintln(tw, "Type help COMMAND for its flags. An empty line repeats the last command.")
		return tw.Flush()
	}
	c, ok := t.byName[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q", args[0])
	}
	fmt.Fprintf(t.out, "usage: %s\n%s\n", c.usage, c.help)
	if fh := c.flagHelp(); fh != "" {
		fmt.Fprintf(t.out, "flags:\n%s", fh)
	}
	if len(c.names) > 1 {
		fmt.Fprintf(t.out, "aliases: %s\n", strings.Join(c.names[1:], ", "))
	}
	return nil
}
