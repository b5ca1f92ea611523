package chains

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// outcomes lists the task outcomes in the order they are documented.
var outcomes = []string{model.OutcomeReturned, model.OutcomeError, model.OutcomeCancelled, model.OutcomePanic, model.OutcomeGoexit}

// TerminatedFilter selects termination records. The zero value selects all.
type TerminatedFilter struct {
	// Name matches the task name.
	Name *regexp.Regexp
	// Outcomes keeps records with one of these outcomes.
	Outcomes []string
	// Group is a group name (exact) or group id.
	Group string
	// Limit keeps the newest Limit records (0: all).
	Limit int
}

// ParseOutcomes parses a comma-separated list of outcomes; "failed" stands
// for error and panic.
func ParseOutcomes(s string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(s, ",") {
		o = strings.ToLower(strings.TrimSpace(o))
		switch {
		case o == "":
		case o == "failed":
			out = append(out, model.OutcomeError, model.OutcomePanic)
		case slices.Contains(outcomes, o):
			out = append(out, o)
		default:
			return nil, fmt.Errorf("unknown outcome %q (want %s or failed)", o, strings.Join(outcomes, "|"))
		}
	}
	return out, nil
}

// Match reports whether e passes f (Limit aside).
func (f TerminatedFilter) Match(e *model.Termination) bool {
	if f.Name != nil && !f.Name.MatchString(e.Task.Name) {
		return false
	}
	if len(f.Outcomes) > 0 && !slices.Contains(f.Outcomes, e.Outcome) {
		return false
	}
	if f.Group != "" && f.Group != e.Task.Group && f.Group != strconv.FormatUint(e.Task.GroupID, 10) {
		return false
	}
	return true
}

// SelectTerminated returns the records of ts that pass f, newest first
// (by end time; records ending at the same instant keep their order), at
// most f.Limit of them. The result is never nil and ts is not modified.
func SelectTerminated(ts []model.Termination, f TerminatedFilter) []model.Termination {
	out := make([]model.Termination, 0, len(ts))
	for i := range ts {
		if f.Match(&ts[i]) {
			out = append(out, ts[i])
		}
	}
	slices.SortStableFunc(out, func(a, b model.Termination) int { return b.Ended.Compare(a.Ended) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out
}
