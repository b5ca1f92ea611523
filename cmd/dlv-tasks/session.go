package main

import (
	"errors"
	"fmt"
	"os"

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

// runTerminal runs the -c commands, or the prompt after printing banner.
func runTerminal(s *dlvclient.Session, opts options, banner string) error {
	if opts.timeout <= 0 {
		return fmt.Errorf("--timeout %s: must be positive", opts.timeout)
	}
	s.SetTimeout(opts.timeout)
	guard.setSession(s)
	t := terminal.New(s, os.Stdout, os.Stderr)
	if isTerminal(os.Stderr) {
		t.Progress = newProgress(os.Stderr)
	}
	if len(opts.commands) > 0 {
		return runCommands(s, t, opts.commands)
	}
	if banner != "" {
		fmt.Fprint(os.Stderr, banner)
	}
	return t.Run()
}

// runCommands runs one-shot commands in order; all run even if one fails,
// and the result is an error if any failed.
func runCommands(s *dlvclient.Session, t *terminal.Terminal, commands []string) error {
	failed := false
	for _, c := range commands {
		before := guard.interrupts()
		err := t.Execute(c)
		if errors.Is(err, terminal.ErrExit) {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "error: %s: %v\n", c, err)
			failed = true
		}
		if lost := s.Lost(); lost != nil {
			return fmt.Errorf("%w; not running the remaining commands", lost)
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

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
