package query

import (
	"fmt"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// Selection says how a listing's goroutines were chosen from a snapshot:
// how many it holds, how many each filter left out, and how many the limit
// cut. A listing's header is worded from it, so that "12 goroutines" under
// -user never reads as the whole process.
type Selection struct {
	// Total counts every goroutine of the snapshot.
	Total int
	// Selected counts the goroutines every filter let through.
	Selected int
	// Hidden says, for each filter that left goroutines out, how many: in
	// the order the flags are listed (-user, -with, -state, -loc,
	// -min-wait), each goroutine counted under the first filter that
	// rejects it, so the counts add up to Total - Selected.
	Hidden []Hidden
	// Limit is the -limit asked for (0: none); Shown is how many rows (or
	// groups) are left after it.
	Limit, Shown int
}

// Hidden is how many goroutines one filter left out.
type Hidden struct {
	// Flag is the filter's flag as the user types it ("-user").
	Flag string
	// Count is how many goroutines it left out.
	Count int
	// What names the goroutines it leaves out, when that says more than
	// the flag ("runtime": -user hides the runtime's own); "" otherwise.
	What string
	// Unknown counts, for -min-wait, the goroutines left out because their
	// wait is not known (no GC has seen them blocked yet).
	Unknown int
}

// filterStep is one condition of a chains.Filter, on its own.
type filterStep struct {
	flag, what string
	f          chains.Filter
}

// filterSteps splits f into its conditions, in flag order; conditions not
// set are left out.
func filterSteps(f chains.Filter) []filterStep {
	var steps []filterStep
	if f.UserOnly {
		steps = append(steps, filterStep{"-user", "runtime", chains.Filter{UserOnly: true}})
	}
	if len(f.Labels) > 0 {
		steps = append(steps, filterStep{"-with", "", chains.Filter{Labels: f.Labels}})
	}
	if len(f.States) > 0 {
		steps = append(steps, filterStep{"-state", "", chains.Filter{States: f.States}})
	}
	if f.Loc != nil {
		steps = append(steps, filterStep{"-loc", "", chains.Filter{Loc: f.Loc}})
	}
	if f.MinWait > 0 {
		steps = append(steps, filterStep{"-min-wait", "", chains.Filter{MinWait: f.MinWait}})
	}
	return steps
}

// SelectCounted returns the goroutines of gs that pass f (as chains.Select
// does) and the Selection that says how many each of f's conditions left
// out. Limit and Shown are left for the caller.
func SelectCounted(gs []model.Goroutine, f chains.Filter) ([]model.Goroutine, Selection) {
	selected := chains.Select(gs, f)
	sel := Selection{Total: len(gs), Selected: len(selected)}
	steps := filterSteps(f)
	if len(steps) == 0 || len(selected) == len(gs) {
		return selected, sel
	}
	counts, unknown := make([]int, len(steps)), make([]int, len(steps))
	for i := range gs {
		for s := range steps {
			if !steps[s].f.Match(&gs[i]) {
				counts[s]++
				if steps[s].f.MinWait > 0 && gs[i].Waited <= 0 {
					unknown[s]++
				}
				break
			}
		}
	}
	for s, n := range counts {
		if n > 0 {
			sel.Hidden = append(sel.Hidden, Hidden{Flag: steps[s].flag, Count: n, What: steps[s].what, Unknown: unknown[s]})
		}
	}
	return selected, sel
}

// Filtered reports whether some filter left goroutines out.
func (s Selection) Filtered() bool { return s.Selected != s.Total }

// Cut reports whether the limit left rows out.
func (s Selection) Cut(all int) bool { return s.Limit > 0 && s.Shown < all }

// why words what the filters left out: "of 32: -user hides 20 runtime
// ones, -state hides 9 more".
func (s Selection) why() string {
	parts := make([]string, 0, len(s.Hidden))
	for i, h := range s.Hidden {
		p := fmt.Sprintf("%s hides %d", h.Flag, h.Count)
		switch {
		case h.What != "" && h.Count == 1:
			p += " " + h.What + " one"
		case h.What != "":
			p += " " + h.What + " ones"
		}
		if i > 0 {
			p += " more"
		}
		if h.Unknown > 0 {
			p += fmt.Sprintf(", %d of them with no known wait yet", h.Unknown)
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("of %d: %s", s.Total, strings.Join(parts, ", "))
}

// GoroutinesHeader is the first line of a ps table:
//
//	32 goroutines
//	32 goroutines, showing the first 8 (-limit 8)
//	12 goroutines (of 32: -user hides 20 runtime ones)
//	3 goroutines (of 32: -user hides 20 runtime ones, -state hides 9 more), showing the first 2 (-limit 2)
func (s Selection) GoroutinesHeader() string {
	h := countNoun(s.Selected, "goroutine")
	if s.Filtered() {
		h += " (" + s.why() + ")"
	}
	if s.Cut(s.Selected) {
		h += fmt.Sprintf(", showing the first %d (-limit %d)", s.Shown, s.Limit)
	}
	return h
}

// GroupsHeader is the first line of a grouped listing of groups groups (before the
// limit) by key by:
//
//	9 groups of 32 goroutines by creation
//	6 groups of 17 goroutines by origin (of 32: -user hides 15 runtime ones), showing the largest 4 (-limit 4)
func (s Selection) GroupsHeader(groups int, by string) string {
	h := countNoun(groups, "group") + " of " + countNoun(s.Selected, "goroutine") + " by " + by
	if s.Filtered() {
		h += " (" + s.why() + ")"
	}
	if s.Cut(groups) {
		h += fmt.Sprintf(", showing the largest %d (-limit %d)", s.Shown, s.Limit)
	}
	return h
}

// countNoun is "1 goroutine", "2 goroutines".
func countNoun(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// SelectTerminatedCounted returns chains.SelectTerminated(ts, f) and the
// Selection that says how many records each of f's conditions (-name,
// -outcome, -group, in that order) left out and what the limit cut.
func SelectTerminatedCounted(ts []model.Termination, f chains.TerminatedFilter) ([]model.Termination, Selection) {
	shown := chains.SelectTerminated(ts, f)
	sel := Selection{Total: len(ts), Limit: f.Limit, Shown: len(shown)}
	steps := []struct {
		flag string
		f    chains.TerminatedFilter
		set  bool
	}{
		{"-name", chains.TerminatedFilter{Name: f.Name}, f.Name != nil},
		{"-outcome", chains.TerminatedFilter{Outcomes: f.Outcomes}, len(f.Outcomes) > 0},
		{"-group", chains.TerminatedFilter{Group: f.Group}, f.Group != ""},
	}
	counts := make([]int, len(steps))
	for i := range ts {
		rejected := false
		for s := range steps {
			if steps[s].set && !steps[s].f.Match(&ts[i]) {
				counts[s]++
				rejected = true
				break
			}
		}
		if !rejected {
			sel.Selected++
		}
	}
	for s, n := range counts {
		if n > 0 {
			sel.Hidden = append(sel.Hidden, Hidden{Flag: steps[s].flag, Count: n})
		}
	}
	return shown, sel
}

// TerminatedHeader is the first line of ps-terminated's table:
//
//	58 terminated tasks, newest first
//	58 terminated tasks, showing the newest 6 (-limit 6)
//	1 terminated task (of 58: -outcome hides 57), newest first
func (s Selection) TerminatedHeader() string {
	h := countNoun(s.Selected, "terminated task")
	if s.Filtered() {
		h += " (" + s.why() + ")"
	}
	if s.Cut(s.Selected) {
		return h + fmt.Sprintf(", showing the newest %d (-limit %d)", s.Shown, s.Limit)
	}
	return h + ", newest first"
}

// SwallowedHeader is the first line of ps -cancelled for found swallowed
// cancellations among the selected goroutines:
//
//	1 goroutine still running after its context was cancelled (swallowed cancellations)
//	3 goroutines still running … (swallowed cancellations), showing the first 1 (-limit 1)
//	1 goroutine still running … (swallowed cancellations) among 12 goroutines (of 32: -user hides 20 runtime ones)
func (s Selection) SwallowedHeader(found int) string {
	h := render.SwallowedHeader(found)
	if s.Filtered() {
		h += fmt.Sprintf(" among %s (%s)", countNoun(s.Selected, "goroutine"), s.why())
	}
	if s.Cut(found) {
		h += fmt.Sprintf(", showing the first %d (-limit %d)", s.Shown, s.Limit)
	}
	return h
}
