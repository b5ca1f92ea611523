package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/dlv-tasks/dlv-tasks/query"
)

// overtimeState is what the change-over-time commands keep between
// commands: the target top left running, and where top reads its quit key.
type overtimeState struct {
	// running is the target top resumed; the next command halts it.
	running *query.Running
	// keys is where top reads "q" (and Enter) from; nil: stdin when it is a
	// terminal.
	keys *os.File
}

const (
	diffUsage = "diff [A] [B] [-group creation|location|start|label:KEY|parent|task|group] [-limit N] [-json]"
	topUsage  = "top [-interval D] [-n N] [-group creation|location|start|label KEY|parent|task|group] [-limit N] [-json]"
)

func (t *Terminal) snapshotCommand() *command {
	return &command{names: []string{"snapshot"}, usage: "snapshot [NAME] [-json]", maxArgs: 1,
		summary: "Keep the current snapshot under a name, for diff.",
		help: "Keep the goroutines read at this stop under NAME (default: the next number);\n" +
			"diff compares kept snapshots with each other or with the current one.",
		setup: func(fs *flag.FlagSet) runFunc {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, args []string) error {
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				d, err := t.q.Keep(ctx, name)
				if err != nil {
					return err
				}
				return t.print(d, *asJSON)
			}
		}}
}

func (t *Terminal) snapshotsCommand() *command {
	return &command{names: []string{"snapshots"}, usage: "snapshots [-json]",
		summary: "List the kept snapshots.",
		help:    "List the snapshots kept with snapshot: name, when taken, how many goroutines.",
		setup: func(fs *flag.FlagSet) runFunc {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(context.Context, []string) error { return t.print(t.q.Kept(), *asJSON) }
		}}
}

// trendFlags are the flags diff and top share.
type trendFlags struct {
	group string
	limit int
	json  bool
}

func (f *trendFlags) declare(fs *flag.FlagSet) {
	fs.StringVar(&f.group, "group", "creation", "group by `KEY`: creation, location, start, label KEY, parent, task, group")
	fs.IntVar(&f.limit, "limit", 0, "show at most `N` groups; 0 shows all")
	fs.BoolVar(&f.json, "json", false, "print JSON")
}

// groupAndLabel splits -group label KEY (or label:KEY) off args.
func (f *trendFlags) groupAndLabel(args []string) (group, label string, rest []string, err error) {
	group, rest = f.group, args
	if key, arg, ok := strings.Cut(group, ":"); ok && key == "label" {
		return key, arg, rest, nil
	}
	if group == "label" {
		if len(rest) == 0 {
			return "", "", nil, errors.New("-group label needs a label key (-group label KEY)")
		}
		label, rest = rest[0], rest[1:]
	}
	return group, label, rest, nil
}

func (t *Terminal) diffCommand() *command {
	return &command{names: []string{"diff"}, usage: diffUsage, maxArgs: -1,
		summary: "Compare two snapshots: growth by group, new, ended and stuck goroutines.",
		help: "Compare snapshot A with B (default: the last kept with the current one; \"now\"\n" +
			"names the current one). Per group: the count before and after, the rate,\n" +
			"new and ended goroutines, stuck ones (in both, same pc, still waiting), and a\n" +
			"verdict: leak suspect, pile-up, hot, growing, shrinking, steady. Largest growth\n" +
			"first; with the tracker, the tasks that ended and the contexts cancelled in\n" +
			"between.",
		setup: func(fs *flag.FlagSet) runFunc {
			var f trendFlags
			f.declare(fs)
			return func(ctx context.Context, args []string) error {
				if f.group == "label" {
					// A following word could be the key or A: diff takes one form.
					return errors.New("-group label needs its key as label:KEY here (A and B are positional)")
				}
				group, label, rest, err := f.groupAndLabel(args)
				if err != nil {
					return err
				}
				if len(rest) > 2 {
					return fmt.Errorf("wrong number of arguments (usage: %s)", diffUsage)
				}
				r := query.DiffRequest{Group: group, LabelKey: label, Limit: f.limit}
				if len(rest) > 0 {
					r.A = rest[0]
				}
				if len(rest) > 1 {
					r.B = rest[1]
				}
				d, err := t.q.Diff(ctx, r)
				if err != nil {
					return err
				}
				return t.print(d, f.json)
			}
		}}
}

func (t *Terminal) topCommand() *command {
	return &command{names: []string{"top"}, usage: topUsage, maxArgs: -1,
		summary: "Sample a live target every interval: growth, hot and stuck goroutines.",
		help: "Every -interval, halt the target, read its goroutines and let it run again;\n" +
			"show per group the count, its change, a sparkline of the last samples, new and\n" +
			"ended goroutines, the hot (running in every sample) and stuck ones, what each\n" +
			"sample paused the target and the share of the time it ran; verdicts (leak\n" +
			"suspect, pile-up, hot) from the third sample on. Ctrl-C, or q and Enter, ends it;\n" +
			"-n N ends after N samples (with -json: one JSON document a line). The target is\n" +
			"left running; the next command halts it.",
		setup: func(fs *flag.FlagSet) runFunc {
			var f trendFlags
			f.declare(fs)
			interval := fs.Duration("interval", time.Second, "time between samples, a duration `D`")
			n := fs.Int("n", 0, "take `N` samples and stop; 0 runs until Ctrl-C or q")
			return func(ctx context.Context, args []string) error {
				group, label, rest, err := f.groupAndLabel(args)
				if err != nil {
					return err
				}
				if len(rest) > 0 {
					return fmt.Errorf("unexpected argument %q (usage: %s)", rest[0], topUsage)
				}
				r := query.TopRequest{Interval: *interval, Samples: *n, Group: group, LabelKey: label, Limit: f.limit}
				return t.top(ctx, r, f.json)
			}
		}}
}

// top runs query.Top, printing each sample as it comes, and keeps the
// target it leaves running.
func (t *Terminal) top(ctx context.Context, r query.TopRequest, asJSON bool) error {
	if r.Interval <= 0 {
		return errors.New("-interval must be positive")
	}
	if !t.session.Live() {
		return errors.New("needs a live target: for cores, compare two with dlv-tasks diff EXE CORE1 CORE2")
	}
	quit, stopKeys := t.quitKey()
	defer stopKeys()
	redraw := !asJSON && r.Samples == 0 && isCharDevice(t.dst)
	bg, err := t.q.Top(ctx, r, t.session, quit, func(d *query.TopDoc) error {
		for _, n := range d.Notes() {
			fmt.Fprintf(t.errOut, "note: %s\n", n)
		}
		if redraw {
			fmt.Fprint(t.out, "\x1b[H\x1b[2J")
		}
		var err error
		if asJSON {
			err = jsonLine(t.out, d.JSON())
		} else {
			err = d.Text(t.out)
			if err == nil && !redraw {
				_, err = fmt.Fprintln(t.out)
			}
		}
		if err == nil {
			err = t.buf.Flush()
		}
		return err
	})
	t.overtime.running = bg
	if bg != nil {
		fmt.Fprintln(t.errOut, "top: the target is running; the next command halts it")
	}
	if errors.Is(err, query.ErrInterrupted) {
		return nil // Ctrl-C is how top ends
	}
	return err
}

// jsonLine writes v as one line of JSON.
func jsonLine(w interface{ Write([]byte) (int, error) }, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// haltBackground halts the target top left running, before a command that
// expects it stopped.
func (t *Terminal) haltBackground() error {
	bg := t.overtime.running
	if bg == nil {
		return nil
	}
	t.overtime.running = nil
	st, err := bg.Stop()
	if err != nil {
		return fmt.Errorf("halting the target top left running: %w", err)
	}
	switch {
	case st.Exited:
		fmt.Fprintf(t.errOut, "the target exited with status %d while it ran\n", st.ExitStatus)
	case st.Breakpoint != "":
		// It stopped by itself while it ran after top: say where.
		printState(t.errOut, st)
	}
	return nil
}

// Close halts a target that top left running, so that the session can be
// closed (detaching lets it run again).
func (t *Terminal) Close() error { return t.haltBackground() }

// quitKey returns a channel closed when the user types q (and Enter) on
// the key source, and a function that stops watching it. It watches with
// select(2), so nothing is left reading the input when top ends.
func (t *Terminal) quitKey() (<-chan struct{}, func()) {
	quit := make(chan struct{})
	keys := t.overtime.keys
	if keys == nil && isCharDevice(os.Stdin) {
		keys = os.Stdin
	}
	if keys == nil {
		return quit, func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	fd := int(keys.Fd())
	go func() {
		defer close(finished)
		buf := make([]byte, 64)
		for {
			select {
			case <-done:
				return
			default:
			}
			var set syscall.FdSet
			set.Bits[fd/64] |= 1 << (uint(fd) % 64)
			tv := syscall.Timeval{Usec: 50_000}
			n, err := syscall.Select(fd+1, &set, nil, nil, &tv)
			if err != nil && !errors.Is(err, syscall.EINTR) {
				return
			}
			if n <= 0 {
				continue
			}
			m, err := syscall.Read(fd, buf)
			if m <= 0 || err != nil {
				return // end of input: no key will come
			}
			if bytes.ContainsAny(buf[:m], "qQ") {
				close(quit)
				return
			}
		}
	}()
	return quit, func() {
		close(done)
		<-finished
	}
}

// isCharDevice reports whether w is a terminal.
func isCharDevice(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
