// Package terminal is dlv-tasks' command interpreter: it parses prompt
// commands (ps, pstree, where, continue, …), asks the query layer for the
// document that answers them, and prints it. It holds no query logic and
// talks to the debugger through Session, an interface declared here.
// The same Terminal serves the interactive prompt and one-shot -c commands.
package terminal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// ErrExit is returned by Execute when the user asked to leave.
var ErrExit = errors.New("exit")

// Session is what the terminal needs of a debugging session: the query
// layer's Source, and control of a live target. *dlvclient.Session
// implements it; tests use a fake.
type Session interface {
	query.Source
	// Live reports whether code can run in the target (false for cores).
	Live() bool
	Continue() (model.StopState, error)
	Halt() (model.StopState, error)
	Next() (model.StopState, error)
	Step() (model.StopState, error)
	StepOut() (model.StopState, error)
	State() (model.StopState, error)
	SwitchGoroutine(id int64) (model.StopState, error)
	Break(spec, cond string) (model.Breakpoint, error)
	Breakpoints() ([]model.Breakpoint, error)
	ClearBreakpoint(idOrName string) (model.Breakpoint, error)
	// Eval evaluates expr in goroutine gid's frame (gid -1: the selected
	// goroutine).
	Eval(gid int64, frame int, expr string) (string, error)
	Dump(path string) error
	// BreakOnCancel stops the target when goroutine gid's context is
	// cancelled.
	BreakOnCancel(gid int64) (model.Breakpoint, error)
	// CancelTask cancels a tracker task's context; false if it already was.
	CancelTask(taskID uint64) (bool, error)
}

// Terminal runs dlv-tasks commands against one session.
type Terminal struct {
	session Session
	q       *query.Querier
	// buf buffers command output (a table of 100k rows is otherwise 100k×7
	// write calls); out writes into it, refusing once the command is
	// interrupted. Execute flushes it after every command.
	dst    io.Writer
	buf    *bufio.Writer
	out    *interruptibleWriter
	errOut io.Writer
	// Progress, if set, is told how a long read advances (stderr on a tty).
	Progress model.Progress
	// Confirm asks the user a yes/no question; nil means "no".
	Confirm func(question string) bool
	// Style, if set, says how wide and whether coloured text output may be
	// (asked at each command: a terminal may be resized); nil is plain
	// output, as for a pipe.
	Style func() render.Style
	// Page, if set, shows a command's whole output instead of writing it
	// (through the user's pager, when they asked for one); it is given the
	// output only once the command is done.
	Page     func(output []byte) error
	commands []*command
	byName   map[string]*command
	// selected is the goroutine that print, next and step act on (-1: the
	// one Delve selected).
	selected int64
	web      webState
	// overtime is the state of snapshot, diff and top (overtime.go).
	overtime overtimeState
	// prefetching is the snapshot read in the background at the prompt,
	// for completion (prefetch.go).
	prefetching prefetch
}

// New returns a Terminal that prints command output to out and notes
// (progress, target state changes) to errOut.
func New(s Session, out, errOut io.Writer) *Terminal {
	buf := bufio.NewWriterSize(out, 64<<10)
	t := &Terminal{session: s, q: query.New(s), dst: out, buf: buf, out: &interruptibleWriter{w: buf},
		errOut: errOut, selected: -1}
	t.commands = t.commandTable()
	t.byName = map[string]*command{}
	for _, c := range t.commands {
		for _, n := range c.names {
			t.byName[n] = c
		}
	}
	return t
}

// KeepSample keeps a snapshot read elsewhere (a first goroutine dump) for
// diff, as the snapshot command keeps the current one.
func (t *Terminal) KeepSample(s model.Sample) error { return t.q.KeepSample(s) }

// Execute runs one command line; Ctrl-C (SIGINT) interrupts it. It
// returns ErrExit for exit/quit.
func (t *Terminal) Execute(line string) error {
	ctx, stop := interruptContext()
	defer stop()
	return t.ExecuteContext(ctx, line)
}

// ExecuteContext runs one command line until ctx is cancelled: then the
// command stops reading the target and printing, and the error is
// query.ErrInterrupted.
func (t *Terminal) ExecuteContext(ctx context.Context, line string) error {
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
	release, err := t.acquire(ctx, c)
	if err != nil {
		return err
	}
	defer release()
	if err := t.haltBackground(); err != nil {
		return err
	}
	t.q.Progress = t.Progress
	t.out.ctx = ctx
	t.out.style = render.Plain
	if t.Style != nil {
		t.out.style = t.Style()
	}
	_ = t.q.TrackerNote() // a note is about this command's reads only
	var paged *bytes.Buffer
	if t.Page != nil {
		paged = &bytes.Buffer{}
		t.buf.Reset(paged)
	}
	err = c.run(ctx, args[1:])
	if t.Progress != nil {
		t.Progress("", 0, 0) // end a progress line a command left, before any error is shown
	}
	t.out.ctx = nil
	if errors.Is(err, query.ErrInterrupted) {
		// Interrupted: what is still buffered is not printed.
		t.buf.Reset(t.dst)
	}
	if ferr := t.buf.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	if paged != nil {
		t.buf.Reset(t.dst)
		if paged.Len() > 0 && !errors.Is(err, query.ErrInterrupted) {
			if perr := t.Page(paged.Bytes()); perr != nil && err == nil {
				err = fmt.Errorf("pager: %w", perr)
			}
		}
	}
	if note := t.q.TrackerNote(); note != "" && err == nil {
		// The command used the tracker: say how complete its read was.
		fmt.Fprintln(t.errOut, note)
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

// interruptibleWriter writes command output until the command's context is
// cancelled, then refuses with query.ErrInterrupted: Ctrl-C stops a long
// table being printed, not only being read.
type interruptibleWriter struct {
	w   io.Writer
	ctx context.Context
	// style is the text style of the command being printed.
	style render.Style
}

// TextStyle is the style render's tables and trees fit themselves to.
func (iw *interruptibleWriter) TextStyle() render.Style { return iw.style }

func (iw *interruptibleWriter) Write(p []byte) (int, error) {
	if iw.ctx != nil && iw.ctx.Err() != nil {
		return 0, query.ErrInterrupted
	}
	return iw.w.Write(p)
}

// print writes d to the output: its notes to errOut first, then d as text,
// or as JSON when asJSON.
func (t *Terminal) print(d query.Doc, asJSON bool) error {
	return t.printWide(d, asJSON, false)
}

// printWide is print; wide writes text at full width, whatever the
// terminal's (the -wide flag).
func (t *Terminal) printWide(d query.Doc, asJSON, wide bool) error {
	if wide {
		t.out.style.Width = 0
	}
	for _, n := range d.Notes() {
		fmt.Fprintf(t.errOut, "note: %s\n", n)
	}
	var err error
	if asJSON {
		err = render.JSON(t.out, d.JSON())
	} else {
		err = d.Text(t.out)
	}
	if errors.Is(err, query.ErrInterrupted) {
		return query.ErrInterrupted
	}
	return err
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

// CommandName returns the name of the command that name (a name or an
// alias) runs, "" for no command.
func (t *Terminal) CommandName(name string) string {
	if c, ok := t.byName[name]; ok {
		return c.names[0]
	}
	return ""
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
