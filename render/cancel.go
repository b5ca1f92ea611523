package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// CancelChain writes the cancellation chain of task t, one numbered hop a
// line, origin last: which context, how it was cancelled, by which
// goroutine and task (alive or exited), when, with which cause, the
// canceller's stack, and why the chain ends.
//
//	Cancellation chain of t:6 inner (context 12), origin last:
//	  1. context 12 (of t:6 inner) cancelled because its parent context 11 was, 12:00:30.000 (30s ago)
//	     cause: maintenance window
//	  2. context 10 cancelled by goroutine 20 (exited) in t:5 shutdown [ended: returned, 30s ago], 12:00:30.000 (30s ago)
//	     cause: maintenance window
//	     canceller stack:
//	       0  main.shutdown
//	          at /src/app/main.go:10
//	     origin: the canceller's own context was not cancelled
func CancelChain(w io.Writer, tr *model.Tracker, t *model.Task, hops []chains.CancelHop) error {
	var b strings.Builder
	writeHops(&b, nowOf(tr), t, hops)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeHops(b *strings.Builder, now time.Time, t *model.Task, hops []chains.CancelHop) {
	if len(hops) == 0 {
		fmt.Fprintf(b, "Cancellation: the context of %s (context %d) is not cancelled (as far as the tracker's history goes).\n", TaskName(t), t.ContextID)
		return
	}
	fmt.Fprintf(b, "Cancellation chain of %s (context %d), origin last:\n", TaskName(t), t.ContextID)
	for i, h := range hops {
		fmt.Fprintf(b, "  %d. context %d", i+1, h.ContextID)
		if h.TaskID != 0 {
			fmt.Fprintf(b, " (of t:%d)", h.TaskID)
		}
		switch h.How {
		case model.CancelParent:
			b.WriteString(" cancelled because its parent")
			if h.Record != nil && h.Record.ParentContextID != 0 {
				fmt.Fprintf(b, " context %d", h.Record.ParentContextID)
			}
			b.WriteString(" was")
		case model.CancelDeadline:
			b.WriteString(" cancelled: its deadline passed")
		case model.CancelExplicit:
			fmt.Fprintf(b, " cancelled by %s", cancellerText(now, &h))
		default:
			fmt.Fprintf(b, " cancelled (%s)", safeOrDash(h.How))
		}
		fmt.Fprintf(b, ", %s\n", whenText(now, h.Time))
		pad := strings.Repeat(" ", len(fmt.Sprint(i+1))+4)
		if h.Cause != "" {
			fmt.Fprintf(b, "%scause: %s\n", pad, Safe(h.Cause))
		}
		if h.How == model.CancelExplicit {
			fmt.Fprintf(b, "%scanceller stack:\n", pad)
			writeStack(b, h.Stack, pad+"  ")
		}
		if h.End != "" {
			fmt.Fprintf(b, "%s%s\n", pad, endText(h.End))
		}
	}
}

// cancellerText names the goroutine and task that called cancel.
func cancellerText(now time.Time, h *chains.CancelHop) string {
	s := fmt.Sprintf("goroutine %d", h.CancellerGoroutine)
	switch {
	case h.Canceller != nil:
		s += fmt.Sprintf(" (alive: %s at %s)", stateText(h.Canceller), shortLoc(whereNow(h.Canceller)))
	case h.CancellerAlive:
		s += " (alive)"
	default:
		s += " (exited)"
	}
	switch {
	case h.CancellerTask == 0:
		s += " outside any task"
	case h.CancellerKnown:
		r := h.CancellerRef
		r.Goroutine = nil // already described
		s += " in " + refText(now, h.CancellerTask, true, r)
	default:
		s += fmt.Sprintf(" in t:%d [no longer recorded]", h.CancellerTask)
	}
	return s
}

var endTexts = map[string]string{
	chains.EndOrigin:                "origin: the deadline passed",
	chains.EndNotInTask:             "origin: the canceller runs outside any task",
	chains.EndCancellerNotCancelled: "origin: the canceller's own context was not cancelled",
	chains.EndSelf:                  "origin: the canceller failed inside the context it cancelled (a group's first failure)",
	chains.EndCancellerUnknown:      "chain ends: the canceller's task is no longer recorded",
	chains.EndUntrackedParent:       "chain ends: the parent context is not a tracker context",
	chains.EndParentRecordMissing:   "chain ends: the parent's cancellation is no longer recorded",
	chains.EndCycle:                 "chain ends: the next hop was already shown (cycle)",
}

func endText(end string) string {
	if s, ok := endTexts[end]; ok {
		return s
	}
	return "chain ends: " + Safe(end)
}

// ContextChains writes the context variables found in goroutine gid's
// frames, each walked up to its root, marking the first cancelled context
// with its error, cause and deadline. A walk that stopped before the root
// (cut, unreadable memory, an optimized-away variable) without finding a
// cancelled context says "not known" and why, never "not cancelled". It is
// what cancel-chain shows without the tracker.
//
//	Goroutine 12: 1 context variable in its frames (without the tracker, who cancelled is not recorded)
//	  frame 1 main.worker, ctx: cancelled at *context.timerCtx (context deadline exceeded)
//	    0  *context.valueCtx 0xc000010000
//	    1  *context.timerCtx 0xc000010100  <- first cancelled: context deadline exceeded, deadline 12:00:09.000
//	    2  *context.cancelCtx 0xc000010200  cancelled: context canceled
//	    3  context.backgroundCtx
func ContextChains(w io.Writer, gid int64, cs []model.ContextChain) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Goroutine %d: %s in its frames (without the tracker, who cancelled is not recorded)\n", gid, plural(len(cs), "context variable"))
	for _, c := range cs {
		fmt.Fprintf(&b, "  frame %d %s, %s: ", c.Frame, safeOrDash(c.Function), safeOrDash(c.Variable))
		switch {
		case c.Cancelled >= 0 && c.Cancelled < len(c.Path):
			n := c.Path[c.Cancelled]
			fmt.Fprintf(&b, "cancelled at %s (%s)\n", Safe(n.Type), Safe(n.Err))
		case c.Incomplete != "":
			fmt.Fprintf(&b, "not known: %s\n", Safe(c.Incomplete))
		default:
			b.WriteString("not cancelled\n")
		}
		if c.Incomplete != "" && c.Cancelled >= 0 {
			fmt.Fprintf(&b, "    (path incomplete: %s)\n", Safe(c.Incomplete))
		}
		if c.HoldsCancel {
			b.WriteString("    (this goroutine holds the cancel function of the context where the cancellation started: the canceller, not a victim)\n")
		}
		for i, n := range c.Path {
			fmt.Fprintf(&b, "    %d  %s", i, Safe(n.Type))
			if n.Addr != 0 {
				fmt.Fprintf(&b, " %#x", n.Addr)
			}
			switch {
			case n.Unreadable != "":
				b.WriteString("  unreadable: " + Safe(n.Unreadable))
			case i == c.Cancelled:
				b.WriteString("  <- first cancelled: " + nodeState(n))
			case n.Err != "":
				b.WriteString("  cancelled: " + nodeState(n))
			case !n.Deadline.IsZero():
				b.WriteString("  deadline " + n.Deadline.Format(clockFormat))
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func nodeState(n model.ContextNode) string {
	s := Safe(n.Err)
	if n.Cause != "" && n.Cause != n.Err {
		s += ", cause: " + Safe(n.Cause)
	}
	if !n.Deadline.IsZero() {
		s += ", deadline " + n.Deadline.Format(clockFormat)
	}
	return s
}
