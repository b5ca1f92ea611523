package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// PsTerminated writes terminated tasks, in the order given (newest first),
// under the header "N terminated tasks (showing M), newest first; times
// before the newest record, HH:MM:SS.mmm", then a table: TASK, NAME,
// GROUP, OUTCOME, TEXT (error or panic value, cut), ENDED (and how long
// before the newest record), DURATION and PRESERVED. How complete the read
// was is TrackerNote's line.
func PsTerminated(w io.Writer, tr *model.Tracker, ts []model.Termination) error {
	total := 0
	if tr != nil {
		total = len(tr.Terminated)
	}
	return PsTerminatedWithHeader(w, tr, ts, fmt.Sprintf("%s (showing %d), newest first", plural(total, "terminated task"), len(ts)))
}

// PsTerminatedWithHeader is PsTerminated under a header the caller words
// (the newest record's time is added to it).
func PsTerminatedWithHeader(w io.Writer, tr *model.Tracker, ts []model.Termination, header string) error {
	var b strings.Builder
	b.WriteString(header)
	if tr != nil && !tr.Now.IsZero() {
		fmt.Fprintf(&b, "; newest tracker record at %s", tr.Now.Format(clockFormat))
	}
	b.WriteByte('\n')
	if len(ts) > 0 {
		var now = nowOf(tr)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TASK\tNAME\tGROUP\tOUTCOME\tTEXT\tENDED\tDURATION\tPRESERVED")
		for i := range ts {
			e := &ts[i]
			kept := "-"
			if e.Preserved {
				kept = "yes"
			}
			fmt.Fprintf(tw, "t:%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Task.ID, safeOrDash(e.Task.Name), safeOrDash(e.Task.Group),
				Safe(e.Outcome), orDash(truncate(Safe(e.Text), maxTextWidth)), whenText(now, e.Ended), HumanDuration(e.Duration), kept)
		}
		tw.Flush()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func nowOf(tr *model.Tracker) (now time.Time) {
	if tr != nil {
		now = tr.Now
	}
	return now
}

// WhereTerminated writes the record of an ended task in full: header,
// outcome text, panic stack, creation stack, creation chain (parent tasks,
// live or ended) and, when hops is not nil, its cancellation chain.
//
//	Task t:3 watcher ended: error, 12:00:05.000 (55s ago), after 4s (preserved)
//	  group: pg (group 1)
//	  goroutine: 19 (exited)
//	  started: 12:00:01.000 (59s ago)
//	  error: watch: connection reset
//
//	Created at:
//	  0  main.startWatchers
//	     at /src/app/main.go:10
//
//	Creation chain (parent tasks, nearest first):
//	  t:1 server [running as goroutine 10: chan receive at main.server app/main.go:110]
func WhereTerminated(w io.Writer, tr *model.Tracker, e *model.Termination, chain []chains.TaskAncestor, hops []chains.CancelHop) error {
	now := nowOf(tr)
	var b strings.Builder
	fmt.Fprintf(&b, "Task %s ended: %s, %s, after %s", TaskName(&e.Task), Safe(e.Outcome), whenText(now, e.Ended), HumanDuration(e.Duration))
	if e.Preserved {
		b.WriteString(" (preserved)")
	}
	b.WriteByte('\n')
	taskDetails(&b, now, &e.Task, "exited")
	switch e.Outcome {
	case model.OutcomeError, model.OutcomeCancelled:
		fmt.Fprintf(&b, "  error: %s\n", Safe(e.Text))
	case model.OutcomePanic:
		fmt.Fprintf(&b, "  panic: %s\n", Safe(e.Text))
	}
	if e.Outcome == model.OutcomePanic {
		b.WriteString("\nPanic stack:\n")
		writeStack(&b, e.PanicStack, "  ")
	}
	b.WriteString("\nCreated at:\n")
	writeStack(&b, e.Task.Created, "  ")
	writeTaskChain(&b, now, chain)
	if hops != nil {
		b.WriteString("\n")
		writeHops(&b, now, &e.Task, hops)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// taskDetails writes a task's group, goroutine and start time.
func taskDetails(b *strings.Builder, now time.Time, t *model.Task, goroutineFate string) {
	if t.GroupID != 0 {
		fmt.Fprintf(b, "  group: %s (group %d)\n", safeOrDash(t.Group), t.GroupID)
	}
	if t.GoroutineID != 0 {
		fmt.Fprintf(b, "  goroutine: %d (%s)\n", t.GoroutineID, goroutineFate)
	}
	fmt.Fprintf(b, "  started: %s\n", whenText(now, t.Started))
}

// writeTaskChain writes a task creation chain.
func writeTaskChain(b *strings.Builder, now time.Time, chain []chains.TaskAncestor) {
	b.WriteString("\nCreation chain (parent tasks, nearest first):\n")
	if len(chain) == 0 {
		b.WriteString("  (none: started outside any task)\n")
	}
	for _, a := range chain {
		fmt.Fprintf(b, "  %s\n", refText(now, a.ID, a.Known, a.Ref))
	}
}
