package terminal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/query"
)

// runFunc runs a command with its flags parsed and its positional arguments.
type runFunc func(ctx context.Context, args []string) error

// command is one prompt command: its names (first is canonical), its usage
// line, a one-sentence summary and a help text, the shape of its positional
// arguments, its flags and what it does.
type command struct {
	names []string
	// usage is the one usage line: shown by help and in every argument
	// error.
	usage   string
	summary string
	help    string
	// minArgs and maxArgs bound the positional arguments (maxArgs -1: no
	// bound). missing names the first required argument ("goroutine id"),
	// for the error when it is absent.
	minArgs, maxArgs int
	missing          string
	// setup declares the command's flags on fs, bound to variables it owns
	// (fresh at each call), and returns the function that runs the command
	// with them. Commands without flags ignore fs.
	setup func(fs *flag.FlagSet) runFunc
}

// noFlags adapts a command without flags to setup.
func noFlags(run runFunc) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc { return run }
}

// run parses args (flags may come before or after positional arguments,
// with one or two dashes), checks the argument shape and executes the
// command. Every error it returns names the command once.
func (c *command) run(ctx context.Context, args []string) error {
	return c.nameError(c.runUnprefixed(ctx, args))
}

func (c *command) runUnprefixed(ctx context.Context, args []string) error {
	fs, exec := c.newFlagSet()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%v (usage: %s)", err, c.usage)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	if err := c.checkArgs(positional); err != nil {
		return err
	}
	return exec(ctx, positional)
}

// checkArgs checks the number of positional arguments against the
// command's declared shape.
func (c *command) checkArgs(args []string) error {
	if len(args) == 0 && c.minArgs > 0 && c.missing != "" {
		return fmt.Errorf("missing %s (usage: %s)", c.missing, c.usage)
	}
	if len(args) < c.minArgs || (c.maxArgs >= 0 && len(args) > c.maxArgs) {
		return fmt.Errorf("wrong number of arguments (usage: %s)", c.usage)
	}
	return nil
}

// nameError prefixes err with the command's name, once: not the errors
// every command shares (interrupted, exit), nor one that already starts
// with the command's name (a debugger error naming the operation).
func (c *command) nameError(err error) error {
	if err == nil || errors.Is(err, ErrExit) || errors.Is(err, query.ErrInterrupted) {
		return err
	}
	msg, name := err.Error(), c.names[0]
	if strings.HasPrefix(msg, name+":") || strings.HasPrefix(msg, name+" ") {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

func (c *command) newFlagSet() (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet(c.names[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs, c.setup(fs)
}

// flagNames lists the command's flags as "-name", sorted.
func (c *command) flagNames() []string {
	var names []string
	fs, _ := c.newFlagSet()
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
	sort.Strings(names)
	return names
}

// flagHelp describes the command's flags, one per line.
func (c *command) flagHelp() string {
	var b strings.Builder
	fs, _ := c.newFlagSet()
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  -%s %s\n      %s", f.Name, name, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	return b.String()
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// idFlag is a goroutine or task id flag (N or t:N); the zero ID means unset.
type idFlag chains.ID

func (f *idFlag) String() string {
	if *f == (idFlag{}) {
		return ""
	}
	return chains.ID(*f).String()
}

func (f *idFlag) Set(v string) error {
	id, err := parseID(v)
	if err != nil {
		return err
	}
	*f = idFlag(id)
	return nil
}

// parseID parses a goroutine or task id argument: N, or t:N for a task.
func parseID(s string) (chains.ID, error) {
	id, err := chains.ParseID(s)
	if err != nil && !strings.HasPrefix(s, "t:") {
		return id, fmt.Errorf("invalid goroutine id %q (want N, or t:N for a tracker task)", s)
	}
	return id, err
}
