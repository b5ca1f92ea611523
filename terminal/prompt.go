package terminal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/peterh/liner"

	"github.com/dlv-tasks/dlv-tasks/chains"
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
// nil when the user leaves.
func (t *Terminal) Run() error {
	line := liner.NewLiner()
	defer line.Close()
	line.SetCtrlCAborts(true)
	line.SetTabCompletionStyle(liner.TabPrints)
	line.SetCompleter(t.Complete)
	history := HistoryFile()
	if history != "" {
		if f, err := os.Open(history); err == nil {
			_, _ = line.ReadHistory(f)
			f.Close()
		}
	}
	defer func() {
		if history == "" {
			return
		}
		if f, err := os.Create(history); err == nil {
			_, _ = line.WriteHistory(f)
			f.Close()
		}
	}()

	var last string
	for {
		input, err := line.Prompt(Prompt)
		if errors.Is(err, liner.ErrPromptAborted) {
			continue
		}
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(t.errOut)
			return nil
		}
		if err != nil {
			return fmt.Errorf("read prompt: %w", err)
		}
		input = strings.TrimSpace(input)
		if input == "" {
			if last == "" {
				continue
			}
			input = last
		} else {
			line.AppendHistory(input)
			last = input
		}
		err = t.Execute(input)
		if errors.Is(err, ErrExit) {
			return nil
		}
		if err != nil {
			fmt.Fprintln(t.errOut, ErrorLine(err))
		}
	}
}

// Complete offers completions for a partial command line: command names,
// then the command's flags, and goroutine ids and tracker task ids (t:N)
// from the last listing (never reading the target, so Tab cannot block).
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
