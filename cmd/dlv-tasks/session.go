package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/terminal"
)

// runSession opens a session, then either runs the -c commands or opens the
// prompt, and closes the session the way its kind requires.
func runSession(opts options, open func() (*dlvclient.Session, error)) error {
	s, err := open()
	if err != nil {
		return err
	}
	guard.setSession(s)
	defer closeSession(s)
	return runTerminal(s, opts, "")
}

// closeSession closes s the way its kind requires (a signal arriving
// meanwhile waits for it) and reports a failure.
func closeSession(s *dlvclient.Session) {
	if err := s.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "dlv-tasks: closing session: %v\n", err)
	}
	guard.setSession(nil)
}

// lostSession is a session whose connection to Delve can be lost (a
// dump's cannot).
type lostSession interface {
	// Lost returns why the connection to Delve is gone, or nil.
	Lost() error
}

// runTerminal runs the -c commands, or the prompt after printing banner.
func runTerminal(s terminal.Session, opts options, banner string) error {
	if opts.timeout <= 0 {
		return fmt.Errorf("--timeout %s: must be positive", opts.timeout)
	}
	if ds, ok := s.(*dlvclient.Session); ok {
		ds.SetTimeout(opts.timeout)
		guard.setSession(ds)
	}
	t := terminal.New(s, os.Stdout, os.Stderr)
	t.Style = terminalStyle(os.Stdout)
	if opts.pager {
		t.Page = terminalPager(os.Stdout)
	}
	defer t.Close() // halts a target top left running, so the session can close
	if isTerminal(os.Stderr) {
		t.Progress = newProgress(os.Stderr)
	}
	for _, s := range opts.preload {
		if err := t.KeepSample(s); err != nil {
			return err
		}
	}
	if err := startWeb(t, opts); err != nil {
		return err
	}
	defer t.StopWeb()
	if len(opts.commands) > 0 {
		ls, _ := s.(lostSession)
		err := runCommands(ls, t, opts.commands)
		serveUntilInterrupt(opts)
		return err
	}
	if banner != "" {
		fmt.Fprint(os.Stderr, banner)
	}
	return t.Run()
}

// runCommands runs one-shot commands in order; all run even if one fails,
// and the result is an error if any failed. A lost connection to Delve or
// an interrupt stops the rest (s may be nil: a session that cannot be lost).
func runCommands(s lostSession, t *terminal.Terminal, commands []string) error {
	failed := false
	for _, c := range commands {
		before := guard.interrupts()
		err := t.Execute(c)
		if errors.Is(err, terminal.ErrExit) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, terminal.ErrorLine(oneShotError(c, t.CommandName(firstWord(c)), err)))
			failed = true
		}
		if s != nil {
			if lost := s.Lost(); lost != nil {
				return fmt.Errorf("%w; not running the remaining commands", lost)
			}
		}
		if guard.interrupts() != before {
			return errors.New("interrupted: not running the remaining commands")
		}
	}
	if failed {
		return errCommandsFailed
	}
	return nil
}

// oneShotError names a failed one-shot command once: by its whole line, so
// that the user sees which -c failed, and without the command name the
// prompt puts before its errors ("where -depth 0 1: stack depth 0: …", not
// "where -depth 0 1: where: stack depth 0: …").
// canonical is the command's own name when the line uses an alias ("wt 9"
// fails as "where-terminated: …"; shown as "wt 9: …").
func oneShotError(line, canonical string, err error) error {
	line = strings.TrimSpace(line)
	name := firstWord(line)
	msg := err.Error()
	if strings.HasPrefix(msg, line+":") {
		return err
	}
	msg = strings.TrimPrefix(msg, name+": ")
	if canonical != "" {
		msg = strings.TrimPrefix(msg, canonical+": ")
	}
	return fmt.Errorf("%s: %s", line, msg)
}

// firstWord is the command word of a command line.
func firstWord(line string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	return name
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
