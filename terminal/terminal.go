// Package terminal is dlv-tasks' command interpreter: it parses prompt
// commands (ps, pstree, where, continue, …), runs them against a
// dlvclient.Session and prints what chains and render make of the result.
// The same Terminal serves the interactive prompt and one-shot -c commands.
package terminal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// ErrExit is returned by Execute when the user asked to leave.
var ErrExit = errors.New("exit")

// Terminal runs dlv-tasks commands against one session.
type Terminal struct {
	session *dlvclient.Session
	// out buffers command output (a table of 100k rows is otherwise 100k×7
	// write calls); Execute flushes it after every command.
	out    *bufio.Writer
	errOut io.Writer
	// Progress, if set, is told how a long read advances (stderr on a tty).
	Progress dlvclient.Progress
	// Confirm asks the user a yes/no question; nil means "no".
	Confirm  func(question string) bool
	commands []*command
	byName   map[string]*command
	// selected is the goroutine that print, next and step act on (-1: the
	// one Delve selected).
	selected int64
}

// New returns a Terminal that prints command output to out and notes
// (progress, target state changes) to errOut.
func New(s *dlvclient.Session, out, errOut io.Writer) *Terminal {
	t := &Terminal{session: s, out: bufio.NewWriterSize(out, 64<<10), errOut: errOut, selected: -1}
	t.commands = t.commandTable()
	t.byName = map[string]*command{}
	for _, c := range t.commands {
		for _, n := range c.names {
			t.byName[n] = c
		}
	}
	return t
}

// Execute runs one command line. It returns ErrExit for exit/quit.
func (t *Terminal) Execute(line string) error {
	args, err := splitArgs(line)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return nil
	}
	c, ok := t.byName[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q (type help)", args[0])
	}
	ctx, stop := interruptContext()
	defer stop()
	consults := t.session.TrackerConsults()
	err = c.run(ctx, args[1:])
	if ferr := t.out.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	if err == nil && t.session.TrackerConsults() != consults {
		// The command used the tracker: say how complete its read was.
		if note := render.TrackerNote(t.session.LastTrackerRead()); note != "" {
			fmt.Fprintln(t.errOut, note)
		}
	}
	return err
}

// interruptContext returns a context cancelled by Ctrl-C (SIGINT), so that
// a long listing stops instead of killing dlv-tasks.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		close(done)
		cancel()
	}
}

// snapshot reads (or reuses) the target's goroutines.
func (t *Terminal) snapshot(ctx context.Context) (*model.Snapshot, error) {
	snap, err := t.session.Snapshot(ctx, t.Progress)
	if errors.Is(err, context.Canceled) {
		return nil, errors.New("interrupted")
	}
	if err == nil {
		t.session.ConsultSnapshotTracker(snap) // for the command's tracker note
	}
	return snap, err
}

// CommandNames lists every command name and alias, sorted: for completion.
func (t *Terminal) CommandNames() []string {
	names := make([]string, 0, len(t.byName))
	for n := range t.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Flags lists the flags of the named command: for completion.
func (t *Terminal) Flags(name string) []string {
	c, ok := t.byName[name]
	if !ok {
		return nil
	}
	return c.flagNames()
}

// splitArgs splits a command line into words, honouring single and double
// quotes (so regexes and expressions with spaces can be passed).
func splitArgs(line string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}
