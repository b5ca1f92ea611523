package chains

import (
	"slices"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Swallowed is a goroutine still running although its context was
// cancelled: a swallowed cancellation (or one not yet noticed).
type Swallowed struct {
	// Goroutine is the goroutine, still alive.
	Goroutine *model.Goroutine
	// Task is its tracker task, nil without the tracker.
	Task *model.Task
	// ContextID is the cancelled tracker context (0 without the tracker).
	ContextID uint64
	// How and Cause say how it was cancelled (How empty when unknown).
	How   string
	Cause string
	// Cancelled is when (zero when unknown); Ago is how long before the
	// tracker's newest timestamp (0 when unknown).
	Cancelled time.Time
	Ago       time.Duration
	// Err is the context's error, from the context tree walk without the
	// tracker ("context canceled").
	Err string
	// Chain is the context variable whose path reaches a cancelled context,
	// without the tracker; nil with it.
	Chain *model.ContextChain
}

// SwallowedCancellations returns the live tasks of tr whose tracker
// context was cancelled but whose goroutine is still in snap, longest
// ago first.
func SwallowedCancellations(tr *model.Tracker, snap *model.Snapshot) []Swallowed {
	out := []Swallowed{}
	if tr == nil || snap == nil {
		return out
	}
	x := NewTaskIndex(tr, snap)
	for i := range tr.Live {
		t := &tr.Live[i]
		c := x.Cancellation(t.ContextID)
		if c == nil {
			continue
		}
		g := x.goroutineOf(t)
		if g == nil {
			continue // not started yet, or already gone
		}
		s := Swallowed{Goroutine: g, Task: t, ContextID: t.ContextID, How: c.How, Cause: c.Cause, Cancelled: c.Time}
		if !tr.Now.IsZero() && !c.Time.IsZero() {
			s.Ago = max(tr.Now.Sub(c.Time), 0)
		}
		out = append(out, s)
	}
	sortSwallowed(out)
	return out
}

// SwallowedFromContexts reports whether g, still running, holds a context
// (found in its frames' variables) that is cancelled, for targets without
// the tracker; the first such context variable is returned.
func SwallowedFromContexts(g *model.Goroutine, chains []model.ContextChain) (Swallowed, bool) {
	for i := range chains {
		c := &chains[i]
		if c.Cancelled < 0 || c.Cancelled >= len(c.Path) || c.HoldsCancel { // a canceller is not a victim
			continue
		}
		n := c.Path[c.Cancelled]
		s := Swallowed{Goroutine: g, Err: n.Err, Cause: n.Cause, Chain: c}
		if n.Err == "context deadline exceeded" && !n.Deadline.IsZero() {
			s.How, s.Cancelled = model.CancelDeadline, n.Deadline
		}
		return s, true
	}
	return Swallowed{}, false
}

// sortSwallowed orders by cancel time, oldest first (unknown times last),
// then by goroutine id.
func sortSwallowed(s []Swallowed) {
	slices.SortStableFunc(s, func(a, b Swallowed) int {
		switch {
		case a.Cancelled.IsZero() != b.Cancelled.IsZero():
			if a.Cancelled.IsZero() {
				return 1
			}
			return -1
		case !a.Cancelled.Equal(b.Cancelled):
			return a.Cancelled.Compare(b.Cancelled)
		}
		return int(min(max(a.Goroutine.ID-b.Goroutine.ID, -1), 1))
	})
}
