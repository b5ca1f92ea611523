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
	defer func() {
		if err := s.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "dlv-tasks: closing session: %v\n", err)
		}
	}()
	return runTerminal(s, opts, "")
}

// runTerminal runs the -c commands, or the prompt after printing banner.
func runTerminal(s terminal.Session, opts options, banner string) error {
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
		err := runCommands(t, opts.commands)
		serveUntilInterrupt(opts)
		return err
	}
	t.Confirm = confirmOnStdin
	if banner != "" {
		fmt.Fprint(os.Stderr, banner)
	}
	return t.Run()
}

// runCommands runs one-shot commands in order; all run even if one fails,
// and the result is an error if any failed.
func runCommands(t *terminal.Terminal, commands []string) error {
	failed := false
	for _, c := range commands {
		err := t.Execute(c)
		if errors.Is(err, terminal.ErrExit) {
			break
		}
		if err != nil {
			// The error names its command once; the line is repeated only
			// when it says more (its arguments).
			if !strings.HasPrefix(err.Error(), strings.TrimSpace(c)+":") {
				err = fmt.Errorf("%s: %w", c, err)
			}
			fmt.Fprintln(os.Stderr, terminal.ErrorLine(err))
			failed = true
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

// confirmOnStdin asks a yes/no question on the terminal.
func confirmOnStdin(question string) bool {
	fmt.Fprintf(os.Stderr, "%s [y/N] ", question)
	var answer string
	fmt.Fscanln(os.Stdin, &answer)
	return answer == "y" || answer == "Y" || answer == "yes"
}
