package terminal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/peterh/liner"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/internal/fsx"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// Prompt is the prompt string.
const Prompt = "(dlv-tasks) "

// maxCompletedIDs caps how many goroutine ids completion offers.
const maxCompletedIDs = 50

// HistoryFile is where the prompt keeps its history across sessions:
// $DLV_TASKS_HISTORY, else ~/.dlv-tasks_history.
func HistoryFile() string {
	if f := os.Getenv("DLV_TASKS_HISTORY"); f != "" {
		return f
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".dlv-tasks_history")
}

// Run reads commands at the prompt until exit or end of input. An empty line
// repeats the last command; Ctrl-C at the prompt clears the line. It returns
// nil when the user leaves, also on SIGINT while it waits for input (the
// caller then closes the session as usual). On a terminal it edits lines
// with liner; otherwise it reads whole lines (up to MaxInputLine bytes).
// While it runs, t.Confirm asks its questions on the same input, so that an
// answer never takes a keystroke from the next command; Ctrl-C or end of
// input at a question answers no.
func (t *Terminal) Run() error {
	var in lineSource
	completes := false // Tab completes: read each stop's goroutines while the user types
	if stdinIsTerminal() && isTerminal(os.Stdout) {
		ls := newLinerSource(t.Complete)
		defer ls.close()
		in, completes = ls, true
	} else {
		in = newPipeSource(os.Stdin)
	}
	history := newHistory(HistoryFile(), t.errOut)
	in.loadHistory(history.entries)
	defer func() { history.save(in.historyEntries()) }()

	savedConfirm := t.Confirm
	t.Confirm = func(question string) bool { return confirm(in, t.errOut, question) }
	defer func() { t.Confirm = savedConfirm }()

	defer t.stopPrefetch()
	var last string
	for {
		if completes {
			t.startPrefetch()
		}
		input, err := readInterruptibly(in, Prompt)
		t.stopPrefetch()
		switch {
		case errors.Is(err, errPromptAborted):
			continue
		case errors.Is(err, errInterrupted), errors.Is(err, io.EOF):
			fmt.Fprintln(t.errOut)
			return nil
		case errors.Is(err, ErrInputLineTooLong):
			fmt.Fprintf(t.errOut, "error: %v\n", err)
			continue
		case err != nil:
			return fmt.Errorf("read prompt: %w", err)
		}
		input = strings.TrimSpace(input)
		if input == "" {
			if last == "" {
				continue
			}
			input = last
		} else {
			in.appendHistory(input)
			last = input
		}
		err = t.Execute(input)
		if errors.Is(err, ErrExit) {
			return nil
		}
		if err != nil {
			fmt.Fprintln(t.errOut, ErrorLine(err))
		}
		if ls, ok := t.session.(lostSession); ok {
			if lost := ls.Lost(); lost != nil {
				return lost
			}
		}
	}
}

// lostSession is a session whose connection to Delve can be lost (a dump's
// cannot): the prompt ends when it is.
type lostSession interface {
	// Lost returns why the connection to Delve is gone, or nil.
	Lost() error
}

// MaxInputLine bounds one line of prompt input read from a pipe or file.
const MaxInputLine = 1 << 20

// ErrInputLineTooLong is returned for an input line beyond MaxInputLine; the
// line is skipped whole.
var ErrInputLineTooLong = fmt.Errorf("input line longer than %d bytes: skipped", MaxInputLine)

var (
	errPromptAborted = errors.New("prompt aborted")
	errInterrupted   = errors.New("interrupted")
)

// lineSource is where the prompt's lines come from: liner on a terminal, a
// line reader otherwise.
type lineSource interface {
	// readLine shows prompt and returns the next line (io.EOF at the end,
	// errPromptAborted for Ctrl-C on a terminal).
	readLine(prompt string) (string, error)
	loadHistory([]string)
	appendHistory(string)
	historyEntries() []string
}

// readInterruptibly reads a line; a SIGINT while it waits returns
// errInterrupted (from a source that allows it).
func readInterruptibly(in lineSource, prompt string) (string, error) {
	p, ok := in.(*pipeSource)
	if !ok {
		return in.readLine(prompt)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	select {
	case r, ok := <-p.lines:
		if !ok {
			return "", io.EOF
		}
		return r.line, r.err
	case <-sig:
		return "", errInterrupted
	}
}

// confirm asks question on in; anything but y/yes, and Ctrl-C or end of
// input, is no.
func confirm(in lineSource, errOut io.Writer, question string) bool {
	fmt.Fprintln(errOut, question)
	answer, err := readInterruptibly(in, "[y/N] ")
	if err != nil {
		if errors.Is(err, errPromptAborted) || errors.Is(err, errInterrupted) {
			fmt.Fprintln(errOut)
		}
		return false
	}
	answer = strings.TrimSpace(answer)
	return answer == "y" || answer == "Y" || answer == "yes"
}

// linerSource edits lines on a terminal. liner reads the keys itself (the
// terminal stays in its raw mode between prompts), so every read of the
// terminal, questions included, must go through it.
type linerSource struct {
	line *liner.State
}

func newLinerSource(complete func(string) []string) *linerSource {
	line := liner.NewLiner()
	line.SetCtrlCAborts(true)
	line.SetTabCompletionStyle(liner.TabPrints)
	line.SetCompleter(complete)
	return &linerSource{line: line}
}

func (l *linerSource) readLine(prompt string) (string, error) {
	s, err := l.line.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errPromptAborted
	}
	return s, err
}

func (l *linerSource) close() { _ = l.line.Close() }

func (l *linerSource) loadHistory(entries []string) {
	_, _ = l.line.ReadHistory(strings.NewReader(strings.Join(entries, "\n")))
}

func (l *linerSource) appendHistory(s string) { l.line.AppendHistory(s) }

func (l *linerSource) historyEntries() []string {
	var b strings.Builder
	_, _ = l.line.WriteHistory(&b)
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// pipeSource reads whole lines from a pipe or file. One goroutine reads
// ahead by at most one line, handed over on a channel, so that a wait
// abandoned on SIGINT loses no line. (On a terminal, Ctrl-C at liner's
// prompt is a key, not a signal: liner turns the terminal's signals off
// while it reads.)
type pipeSource struct {
	lines   chan lineResult
	history []string
}

type lineResult struct {
	line string
	err  error
}

func newPipeSource(r io.Reader) *pipeSource {
	p := &pipeSource{lines: make(chan lineResult)}
	go func() {
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := readWholeLine(br, MaxInputLine)
			p.lines <- lineResult{line, err}
			if err != nil && !errors.Is(err, ErrInputLineTooLong) {
				close(p.lines)
				return
			}
		}
	}()
	return p
}

func (p *pipeSource) readLine(string) (string, error) {
	r, ok := <-p.lines
	if !ok {
		return "", io.EOF
	}
	return r.line, r.err
}

func (p *pipeSource) loadHistory(e []string)   { p.history = append(p.history, e...) }
func (p *pipeSource) appendHistory(s string)   { p.history = append(p.history, s) }
func (p *pipeSource) historyEntries() []string { return p.history }

// readWholeLine reads one line (without its "\n" or "\r\n") of at most max
// bytes; a longer one is consumed to its end and reported as
// ErrInputLineTooLong. A last line without "\n" counts; io.EOF comes after.
func readWholeLine(br *bufio.Reader, max int) (string, error) {
	var buf []byte
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(frag) > max+2 { // the line plus "\r\n"
				tooLong, buf = true, nil
			} else {
				buf = append(buf, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (!errors.Is(err, io.EOF) || len(buf) == 0 && !tooLong) {
			return "", err
		}
		if tooLong {
			return "", ErrInputLineTooLong
		}
		line := strings.TrimSuffix(string(buf), "\n")
		line = strings.TrimSuffix(line, "\r")
		if len(line) > max {
			return "", ErrInputLineTooLong
		}
		return line, nil
	}
}

// historyFile keeps the prompt's history in a regular file; any other kind
// of file (a FIFO would block the open) is refused with a note.
type historyFile struct {
	path    string
	entries []string
}

// maxHistoryFile bounds the history file read back.
const maxHistoryFile = 4 << 20

func newHistory(path string, errOut io.Writer) *historyFile {
	h := &historyFile{path: path}
	if path == "" {
		return h
	}
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return h
	}
	if err == nil && !fi.Mode().IsRegular() {
		fmt.Fprintf(errOut, "note: history file %s is not a regular file (%s): history is not kept\n", path, fsx.FileKind(fi.Mode()))
		h.path = ""
		return h
	}
	f, err := os.Open(path)
	if err != nil {
		return h
	}
	defer f.Close()
	data, _ := io.ReadAll(io.LimitReader(f, maxHistoryFile))
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			h.entries = append(h.entries, l)
		}
	}
	if len(h.entries) > liner.HistoryLimit {
		h.entries = h.entries[len(h.entries)-liner.HistoryLimit:]
	}
	return h
}

// save writes the history back (the last liner.HistoryLimit entries).
func (h *historyFile) save(entries []string) {
	if h.path == "" {
		return
	}
	if fi, err := os.Stat(h.path); err == nil && !fi.Mode().IsRegular() {
		return
	}
	if len(entries) > liner.HistoryLimit {
		entries = entries[len(entries)-liner.HistoryLimit:]
	}
	var b strings.Builder
	for _, e := range entries {
		if e != "" {
			b.WriteString(e)
			b.WriteByte('\n')
		}
	}
	_ = os.WriteFile(h.path, []byte(b.String()), 0o600)
}

// stdinIsTerminal reports whether standard input is a terminal (not merely
// a character device such as /dev/null).
func stdinIsTerminal() bool {
	_, err := liner.TerminalMode()
	return err == nil
}

// isTerminal reports whether f is a character device (a terminal, for
// output).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Complete offers completions for a partial command line: command names,
// then the command's flags, and goroutine ids and tracker task ids (t:N)
// from the snapshot of this stop once it is read — by a listing, or in
// the background while the prompt waits (prefetch.go). It never reads the
// target itself, so Tab cannot block.
func (t *Terminal) Complete(line string) []string {
	words := strings.Fields(line)
	trailingSpace := strings.HasSuffix(line, " ")
	if len(words) == 0 || (len(words) == 1 && !trailingSpace) {
		prefix := ""
		if len(words) == 1 {
			prefix = words[0]
		}
		var out []string
		for _, n := range t.CommandNames() {
			if strings.HasPrefix(n, prefix) {
				out = append(out, n)
			}
		}
		return out
	}
	cur := ""
	if !trailingSpace {
		cur = words[len(words)-1]
	}
	head := line[:len(line)-len(cur)]
	var out []string
	if prev := words[len(words)-1-boolInt(!trailingSpace)]; prev == "-group" || prev == "--group" {
		for _, k := range chains.GroupKeyNames() { // ps -group <Tab>
			if strings.HasPrefix(k, cur) {
				out = append(out, head+k)
			}
		}
		return out
	}
	if strings.HasPrefix(cur, "-") {
		for _, f := range t.Flags(words[0]) {
			if strings.HasPrefix(f, cur) {
				out = append(out, head+f)
			}
		}
		return out
	}
	snap := t.session.Cached()
	if snap == nil {
		return nil
	}
	for _, g := range snap.Goroutines {
		if len(out) == maxCompletedIDs {
			return out
		}
		id := strconv.FormatInt(g.ID, 10)
		if strings.HasPrefix(id, cur) {
			out = append(out, head+id)
		}
	}
	return append(out, taskCompletions(snap.Tracker, head, cur, maxCompletedIDs-len(out))...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// taskCompletions offers "t:N" ids of live then terminated tasks of the
// cached tracker read (never reading the target), at most n of them.
func taskCompletions(tr *model.Tracker, head, cur string, n int) []string {
	if tr == nil || n <= 0 || !strings.HasPrefix("t:", cur) && !strings.HasPrefix(cur, "t:") {
		return nil
	}
	var out []string
	seen := map[uint64]bool{}
	add := func(id uint64) bool {
		s := "t:" + strconv.FormatUint(id, 10)
		if !seen[id] && strings.HasPrefix(s, cur) {
			seen[id] = true
			out = append(out, head+s)
		}
		return len(out) < n
	}
	for _, t := range tr.Live {
		if !add(t.ID) {
			return out
		}
	}
	for _, e := range tr.Terminated {
		if !add(e.Task.ID) {
			return out
		}
	}
	return out
}
