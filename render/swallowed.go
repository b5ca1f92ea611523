package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// Swallowed writes the goroutines still running after their context was
// cancelled (ps -cancelled) under the header "N goroutines still running
// after their context was cancelled (swallowed cancellations)". Columns:
// GOROUTINE, TASK, CANCELLED (when, and how long before the newest tracker
// record), HOW, CAUSE (the cause, else the context's error), STATE and
// WHERE (where it is stuck).
func Swallowed(w io.Writer, tr *model.Tracker, ss []chains.Swallowed) error {
	return SwallowedWithHeader(w, tr, ss, SwallowedHeader(len(ss)))
}

// SwallowedHeader is Swallowed's header for n goroutines: "N goroutines
// still running after their contexts were cancelled (swallowed
// cancellations)".
func SwallowedHeader(n int) string {
	their := "their contexts were"
	if n == 1 {
		their = "its context was"
	}
	return fmt.Sprintf("%s still running after %s cancelled (swallowed cancellations)", plural(n, "goroutine"), their)
}

// SwallowedWithHeader is Swallowed under a header the caller words.
func SwallowedWithHeader(w io.Writer, tr *model.Tracker, ss []chains.Swallowed, header string) error {
	var b strings.Builder
	b.WriteString(header + "\n")
	if len(ss) > 0 {
		now := nowOf(tr)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GOROUTINE\tTASK\tCANCELLED\tHOW\tCAUSE\tSTATE\tWHERE")
		for _, s := range ss {
			task := "-"
			if s.Task != nil {
				task = TaskName(s.Task)
			}
			cause := s.Cause
			if cause == "" {
				cause = s.Err
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Goroutine.ID, task, whenText(now, s.Cancelled), safeOrDash(s.How),
				orDash(truncate(Safe(cause), maxTextWidth)), stateText(s.Goroutine), locationText(s.Goroutine))
		}
		tw.Flush()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TaskTree writes the task forest: tasks nested by parent task, the tasks
// a parent started through a tracker group under a scope line for the
// group, ended parents of live tasks as markers:
//
//	t:1 server [chan receive] (goroutine 10)
//	├─ t:6 inner [chan receive] (goroutine 12)
//	└─ group 1 pg
//	   └─ t:2 poller [chan receive] (goroutine 11)
//	t:4 spawner (ended: goexit, 56s ago)
//	└─ t:13 orphan [chan receive] (goroutine 16)
func TaskTree(w io.Writer, tr *model.Tracker, f chains.TaskForest) error {
	var b strings.Builder
	tw := taskTreeWriter{b: &b, now: nowOf(tr), onPath: map[*chains.TaskNode]bool{}}
	tw.level(f.Tasks, f.Scopes, "", true)
	_, err := io.WriteString(w, b.String())
	return err
}

type taskTreeWriter struct {
	b      *strings.Builder
	now    time.Time
	onPath map[*chains.TaskNode]bool
}

// level writes tasks then scopes; top-level items have no branch.
func (t *taskTreeWriter) level(tasks []*chains.TaskNode, scopes []*chains.TaskScope, indent string, top bool) {
	n := len(tasks) + len(scopes)
	branch := func(i int) (string, string) {
		switch {
		case top:
			return "", ""
		case i == n-1:
			return indent + "└─ ", indent + "   "
		}
		return indent + "├─ ", indent + "│  "
	}
	for i, node := range tasks {
		prefix, child := branch(i)
		if node == nil {
			continue
		}
		t.b.WriteString(prefix + t.nodeText(node))
		if t.onPath[node] {
			t.b.WriteString(" (cycle)\n")
			continue
		}
		t.b.WriteByte('\n')
		t.onPath[node] = true
		t.level(node.Children, node.Scopes, child, false)
		delete(t.onPath, node)
	}
	for i, s := range scopes {
		prefix, child := branch(len(tasks) + i)
		fmt.Fprintf(t.b, "%sgroup %d %s\n", prefix, s.GroupID, Safe(s.Name))
		t.level(s.Tasks, nil, child, false)
	}
}

func (t *taskTreeWriter) nodeText(n *chains.TaskNode) string {
	if !n.Known {
		return "t:" + strconv.FormatUint(n.ID, 10) + " (no longer recorded)"
	}
	r := n.Ref
	name := TaskName(&r.Task)
	switch {
	case r.Live && r.Goroutine != nil:
		g := r.Goroutine
		state := stateText(g)
		if at := g.Location.Function; at != "" {
			state += " in " + Safe(at)
		}
		return fmt.Sprintf("%s [%s] (goroutine %d)", name, state, g.ID)
	case r.Live:
		return name + " [running]"
	case r.Ended != nil:
		return fmt.Sprintf("%s (ended: %s, %s)", name, Safe(r.Ended.Outcome), agoText(since(t.now, r.Ended.Ended)))
	}
	return name
}
