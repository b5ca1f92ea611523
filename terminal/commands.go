package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
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
		{names: []string{"continue", "c"}, usage: "continue",
			help: "Resume the target until a breakpoint or exit; Ctrl-C halts it.",
			exec: func(ctx context.Context, _ *flag.FlagSet, args []string) error {
				if err := wantArgs("continue", args, 0, 0, "continue"); err != nil {
					return err
				}
				return t.continueTarget(ctx)
			}},
		t.stepper([]string{"halt"}, "Stop the running target.", t.session.Halt),
		t.stepper([]string{"next", "n"}, "Step over to the next source line.", t.session.Next),
		t.stepper([]string{"step", "s"}, "Step into the next source line.", t.session.Step),
		t.stepper([]string{"stepout", "so"}, "Run until the current function returns.", t.session.StepOut),
		{names: []string{"break", "b"}, usage: "break LOCATION [CONDITION]",
			help: "Set a breakpoint at LOCATION (main.f, file.go:12, *0xaddr); an optional\ncondition is a Go expression evaluated at the breakpoint.",
			exec: func(_ context.Context, _ *flag.FlagSet, args []string) error {
				if err := wantArgs("break", args, 1, -1, "break LOCATION [CONDITION]"); err != nil {
					return err
				}
				bp, err := t.session.Break(args[0], strings.Join(args[1:], " "))
				if err != nil {
					return err
				}
				fmt.Fprintf(t.out, "Breakpoint %d set at %s %s:%d\n", bp.ID, bp.Location.Function, bp.Location.File, bp.Location.Line)
				return nil
			}},
		{names: []string{"breakpoints", "bp"}, usage: "breakpoints",
			help: "List breakpoints.",
			exec: func(_ context.Context, _ *flag.FlagSet, _ []string) error {
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
			}},
		{names: []string{"clear"}, usage: "clear ID|NAME",
			help: "Delete a breakpoint.",
			exec: func(_ context.Context, _ *flag.FlagSet, args []string) error {
				if err := wantArgs("clear", args, 1, 1, "clear ID|NAME"); err != nil {
					return err
				}
				bp, err := t.session.ClearBreakpoint(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(t.out, "Breakpoint %d cleared at %s %s:%d\n", bp.ID, bp.Location.Function, bp.Location.File, bp.Location.Line)
				return nil
			}},
		{names: []string{"goroutine", "gr"}, usage: "goroutine [ID]",
			help: "Show the selected goroutine, or select goroutine ID for print, next, step.",
			exec: func(_ context.Context, _ *flag.FlagSet, args []string) error {
				if err := wantArgs("goroutine", args, 0, 1, "goroutine [ID]"); err != nil {
					return err
				}
				if len(args) == 0 {
					st, err := t.session.State()
					if err != nil {
						return err
					}
					fmt.Fprintf(t.out, "Goroutine %d at %s\n", st.GoroutineID, formatLoc(st.Location))
					return nil
				}
				id, err := parseGoroutineID(args[0])
				if err != nil {
					return err
				}
				st, err := t.session.SwitchGoroutine(id)
				if err != nil {
					return err
				}
				t.selected = id
				fmt.Fprintf(t.out, "Switched to goroutine %d at %s\n", id, formatLoc(st.Location))
				return nil
			}},
		{names: []string{"print"}, usage: "print [-g ID] [-frame N] EXPR",
			help: "Evaluate a Go expression in the selected goroutine (or goroutine ID) and print it.",
			flags: func(fs *flag.FlagSet) {
				fs.Int64("g", -1, "goroutine to evaluate in")
				fs.Int("frame", 0, "stack frame to evaluate in")
			},
			exec: func(_ context.Context, fs *flag.FlagSet, args []string) error {
				if err := wantArgs("print", args, 1, -1, "print EXPR"); err != nil {
					return err
				}
				gid := fs.Lookup("g").Value.(flag.Getter).Get().(int64)
				if gid == -1 {
					gid = t.selected
				}
				frame := fs.Lookup("frame").Value.(flag.Getter).Get().(int)
				v, err := t.session.Eval(gid, frame, strings.Join(args, " "))
				if err != nil {
					return err
				}
				fmt.Fprintln(t.out, v)
				return nil
			}},
		{names: []string{"dump"}, usage: "dump FILE",
			help: "Write a core dump of the live target to FILE (read it later with dlv-tasks core).",
			exec: func(_ context.Context, _ *flag.FlagSet, args []string) error {
				if err := wantArgs("dump", args, 1, 1, "dump FILE"); err != nil {
					return err
				}
				if err := t.session.Dump(args[0]); err != nil {
					return err
				}
				fmt.Fprintf(t.out, "Core dump written to %s\n", args[0])
				return nil
			}},
		{names: []string{"help", "h"}, usage: "help [COMMAND]",
			help: "List commands, or describe one.",
			exec: func(_ context.Context, _ *flag.FlagSet, args []string) error {
				return t.help(args)
			}},
		{names: []string{"exit", "quit", "q"}, usage: "exit",
			help: "Leave dlv-tasks (detaching from, or killing, the target as the session requires).",
			exec: func(context.Context, *flag.FlagSet, []string) error { return ErrExit }},
	}
}

// stepper builds a command that runs the target a little and shows where it
// stopped.
func (t *Terminal) stepper(names []string, help string, step func() (dlvclient.State, error)) *command {
	return &command{names: names, usage: names[0], help: help,
		exec: func(_ context.Context, _ *flag.FlagSet, args []string) error {
			if err := wantArgs(names[0], args, 0, 0, names[0]); err != nil {
				return err
			}
			st, err := step()
			if err != nil {
				return err
			}
			t.printState(st)
			return nil
		}}
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
	t.printState(st)
	return nil
}

func (t *Terminal) printState(st dlvclient.State) {
	if st.Exited {
		fmt.Fprintf(t.out, "Process exited with status %d\n", st.ExitStatus)
		return
	}
	bp := ""
	if st.Breakpoint != "" {
		bp = fmt.Sprintf(" (breakpoint %s)", st.Breakpoint)
	}
	fmt.Fprintf(t.out, "> goroutine %d stopped at %s%s\n", st.GoroutineID, formatLoc(st.Location), bp)
	if st.StepInterrupted {
		fmt.Fprintln(t.out, "  (another goroutine hit a breakpoint before the step completed; the step was cancelled)")
	}
}

func (t *Terminal) help(args []string) error {
	if len(args) == 0 {
		tw := tabwriter.NewWriter(t.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Commands (aliases after the slash):")
		for _, c := range t.commands {
			first, _, _ := strings.Cut(c.help, "\n")
			fmt.Fprintf(tw, "  %s\t%s\n", strings.Join(c.names, " / "), first)
		}
		fmt.Fprintln(tw, "Type help COMMAND for its flags. An empty line repeats the last command.")
		return tw.Flush()
	}
	c, ok := t.byName[args[0]]
	if !ok {
		return fmt.Errorf("help: unknown command %q", args[0])
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

// parseGoroutineID parses a goroutine id argument.
func parseGoroutineID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("invalid goroutine id %q", s)
	}
	return id, nil
}

var errNoID = errors.New("missing goroutine id")
