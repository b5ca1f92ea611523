package chains

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// LabelMatch selects goroutines by one pprof label: the key must be present
// and, when HasValue is set, carry exactly Value.
type LabelMatch struct {
	Key      string
	Value    string
	HasValue bool
}

// ParseLabelMatch parses "key=value" (key with that value) or "key" (key
// present with any value).
func ParseLabelMatch(s string) LabelMatch {
	if k, v, ok := strings.Cut(s, "="); ok {
		return LabelMatch{Key: k, Value: v, HasValue: true}
	}
	return LabelMatch{Key: s}
}

// Match reports whether labels satisfy m.
func (m LabelMatch) Match(labels map[string]string) bool {
	v, ok := labels[m.Key]
	return ok && (!m.HasValue || v == m.Value)
}

// IsZero reports whether f lets every goroutine through.
func (f Filter) IsZero() bool {
	return len(f.Labels) == 0 && len(f.States) == 0 && f.Loc == nil && f.MinWait == 0 && !f.UserOnly
}

// Filter selects goroutines. The zero Filter matches every goroutine; each
// set field narrows the selection, and all of them must match.
type Filter struct {
	// Labels must all match.
	Labels []LabelMatch
	// States match, case-insensitively, the status, the wait reason or
	// "leaked"; any one of them is enough.
	States []string
	// Loc matches the function, the file or "file:line" of the goroutine's
	// user location or of its current location.
	Loc *regexp.Regexp
	// MinWait keeps goroutines blocked at least this long; when set,
	// goroutines whose wait time is unknown are left out.
	MinWait time.Duration
	// UserOnly hides the runtime's system goroutines.
	UserOnly bool
}

// Match reports whether g passes every condition of f.
func (f Filter) Match(g *model.Goroutine) bool {
	if f.UserOnly && g.System {
		return false
	}
	if f.MinWait > 0 && g.Waited < f.MinWait {
		return false
	}
	for _, m := range f.Labels {
		if !m.Match(g.Labels) {
			return false
		}
	}
	if len(f.States) > 0 && !matchState(f.States, g) {
		return false
	}
	if f.Loc != nil && !matchLoc(f.Loc, g.Location) && !matchLoc(f.Loc, g.CurrentLocation) {
		return false
	}
	return true
}

// Select returns the goroutines of gs that match f, in their original order.
// The result is never nil.
func Select(gs []model.Goroutine, f Filter) []model.Goroutine {
	if f.IsZero() {
		// Nothing to filter: no copy (100k goroutines are ~30 MB).
		if gs == nil {
			return []model.Goroutine{}
		}
		return gs
	}
	out := make([]model.Goroutine, 0, len(gs))
	for i := range gs {
		if f.Match(&gs[i]) {
			out = append(out, gs[i])
		}
	}
	return out
}

func matchState(states []string, g *model.Goroutine) bool {
	for _, s := range states {
		if strings.EqualFold(s, g.Status) ||
			(g.WaitReason != "" && strings.EqualFold(s, g.WaitReason)) {
			return true
		}
	}
	return false
}

func matchLoc(re *regexp.Regexp, l model.Location) bool {
	if l.IsZero() {
		return false
	}
	return re.MatchString(l.Function) || re.MatchString(l.File) ||
		re.MatchString(l.File+":"+strconv.Itoa(l.Line))
}
