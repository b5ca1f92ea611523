package terminal

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// command is one prompt command: its names (first is canonical), a usage
// line, a help text, its flags and what it does.
type command struct {
	names []string
	usage string
	help  string
	// flags declares the command's flags on fs; nil for commands without.
	flags func(fs *flag.FlagSet)
	// exec runs the command with parsed flags and positional arguments.
	exec func(ctx context.Context, fs *flag.FlagSet, args []string) error
}

// run parses args (flags may come before or after positional arguments,
// with one or two dashes) and executes the command.
func (c *command) run(ctx context.Context, args []string) error {
	fs := c.newFlagSet()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%s: %v (usage: %s)", c.names[0], err, c.usage)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return c.exec(ctx, fs, positional)
}

func (c *command) newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(c.names[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

// flagNames lists the command's flags as "-name", sorted.
func (c *command) flagNames() []string {
	var names []string
	c.newFlagSet().VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
	sort.Strings(names)
	return names
}

// flagHelp describes the command's flags, one per line.
func (c *command) flagHelp() string {
	var b strings.Builder
	c.newFlagSet().VisitAll(func(f *flag.Flag) {
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

// wantArgs checks the number of positional arguments.
func wantArgs(c string, args []string, min, max int, usage string) error {
	if len(args) < min || (max >= 0 && len(args) > max) {
		return fmt.Errorf("%s: wrong number of arguments (usage: %s)", c, usage)
	}
	return nil
}
