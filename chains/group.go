package chains

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// GroupKey is what GroupGoroutines groups by.
type GroupKey int

// The grouping keys.
const (
	// GroupByCreation groups by creation site (CreationSite: the go
	// statement, or the user's call of the tracker): function and file:line.
	GroupByCreation GroupKey = iota
	// GroupByLocation groups by user location: function and file:line.
	GroupByLocation
	// GroupByStart groups by start function.
	GroupByStart
	// GroupByLabel groups by the value of one pprof label.
	GroupByLabel
	// GroupByParent groups by parent goroutine id.
	GroupByParent
	// GroupByTask groups by tracker task name.
	GroupByTask
	// GroupByGroup groups by tracker group.
	GroupByGroup
	// GroupByOrigin groups by what the goroutine is for: the function of
	// its Origin frame (below spawn helpers). It needs stacks.
	GroupByOrigin
	// GroupByStack groups by whole-stack signature (StackSignature),
	// panicparse-style. It needs stacks.
	GroupByStack
)

var groupKeyNames = [...]string{
	GroupByCreation: "creation",
	GroupByLocation: "location",
	GroupByStart:    "start",
	GroupByLabel:    "label",
	GroupByParent:   "parent",
	GroupByTask:     "task",
	GroupByGroup:    "group",
	GroupByOrigin:   "origin",
	GroupByStack:    "stack",
}

// GroupKeyNames returns the names ParseGroupKey accepts, in order.
func GroupKeyNames() []string { return slices.Clone(groupKeyNames[:]) }

// NeedsStacks reports whether grouping by k reads each goroutine's stack.
func (k GroupKey) NeedsStacks() bool { return k == GroupByOrigin || k == GroupByStack }

// String returns the name ParseGroupKey accepts for k.
func (k GroupKey) String() string {
	if k >= 0 && int(k) < len(groupKeyNames) {
		return groupKeyNames[k]
	}
	return "GroupKey(" + strconv.Itoa(int(k)) + ")"
}

// ParseGroupKey parses "creation", "location", "start", "label", "parent",
// "task", "group", "origin" or "stack" (case-insensitive).
func ParseGroupKey(s string) (GroupKey, error) {
	for k, name := range groupKeyNames {
		if strings.EqualFold(s, name) {
			return GroupKey(k), nil
		}
	}
	return 0, fmt.Errorf("unknown group key %q (want %s)", s, strings.Join(groupKeyNames[:], "|"))
}

// Group is a set of goroutines that share a key.
type Group struct {
	// Key is the shared value, formatted for display.
	Key string
	// Count is the number of goroutines in the group.
	Count int
	// IDs are the ids of all goroutines in the group, ascending.
	IDs []int64
	// States counts the goroutines by State (status or wait reason).
	States map[string]int
	// Stack is, for GroupByStack, the stack the goroutines share
	// (compiler wrappers left out), and whether it was cut; nil otherwise.
	Stack *model.Stack
	// CreatedBy is, for GroupByStack, the go statement the goroutines
	// share (part of the signature).
	CreatedBy model.Location
}

// StackFacts is what GroupByOrigin and GroupByStack read besides the
// goroutines: their stacks by goroutine id, and which return pcs of
// SpawnCallSites are indirect calls (GroupByOrigin only).
type StackFacts struct {
	Stacks        map[int64]model.Stack
	IndirectCalls map[uint64]bool
}

// GroupGoroutines groups gs by key; labelKey names the label for
// GroupByLabel and is ignored otherwise. Groups are ordered by Count,
// largest first, then by Key.
func GroupGoroutines(gs []model.Goroutine, key GroupKey, labelKey string) []Group {
	return GroupGoroutinesWithStacks(gs, key, labelKey, nil)
}

// GroupGoroutinesWithStacks is GroupGoroutines for every key, those that
// need stacks (NeedsStacks) included; facts may be nil for the others. A
// goroutine missing from facts.Stacks counts as having an unreadable stack.
func GroupGoroutinesWithStacks(gs []model.Goroutine, key GroupKey, labelKey string, facts *StackFacts) []Group {
	if facts == nil {
		facts = &StackFacts{}
	}
	index := map[string]int{}
	var groups []Group
	for i := range gs {
		g := &gs[i]
		var k string
		var st model.Stack
		if key.NeedsStacks() {
			var ok bool
			if st, ok = facts.Stacks[g.ID]; !ok {
				st = model.Stack{Unreadable: "not read"}
			}
		}
		switch key {
		case GroupByOrigin:
			k = originKey(g, st, facts.IndirectCalls)
		case GroupByStack:
			k = StackSignature(g, st)
		default:
			k = groupKey(g, key, labelKey)
		}
		j, ok := index[k]
		if !ok {
			j = len(groups)
			index[k] = j
			groups = append(groups, Group{Key: k, States: map[string]int{}})
			if key == GroupByStack && st.Unreadable == "" {
				shared := model.Stack{More: st.More}
				for _, f := range st.Frames {
					if !IsCompilerWrapper(f.Location) {
						shared.Frames = append(shared.Frames, f)
					}
				}
				groups[j].Stack = &shared
				groups[j].CreatedBy = g.GoStatement
				groups[j].Key = stackKeyText(g, shared)
			}
		}
		grp := &groups[j]
		grp.Count++
		grp.IDs = append(grp.IDs, g.ID)
		grp.States[State(g)]++
	}
	for i := range groups {
		slices.Sort(groups[i].IDs)
	}
	slices.SortStableFunc(groups, func(a, b Group) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	return groups
}

func groupKey(g *model.Goroutine, key GroupKey, labelKey string) string {
	switch key {
	case GroupByCreation:
		return locKey(CreationSite(g))
	case GroupByLocation:
		return locKey(g.Location)
	case GroupByStart:
		if g.Start.Function == "" {
			return "<unknown>"
		}
		return g.Start.Function
	case GroupByLabel:
		if v, ok := g.Labels[labelKey]; ok {
			return v
		}
		return "<no label " + labelKey + ">"
	case GroupByParent:
		if g.ParentID == 0 {
			return "none"
		}
		return "goroutine " + strconv.FormatInt(g.ParentID, 10)
	case GroupByTask:
		if g.Task == nil {
			return "<no task>"
		}
		return g.Task.Name
	case GroupByGroup:
		if g.Task == nil || g.Task.GroupID == 0 {
			return "<no group>"
		}
		return "group " + strconv.FormatUint(g.Task.GroupID, 10) + " " + g.Task.Group
	}
	return ""
}

// originKey is the GroupByOrigin key of g: its origin's function; for a
// stack of runtime frames only, its start function.
func originKey(g *model.Goroutine, st model.Stack, indirect map[uint64]bool) string {
	if o, ok := Origin(g, st, indirect); ok {
		return o.Function
	}
	switch {
	case st.Unreadable != "":
		return "<stack unreadable>"
	case st.More:
		return "<stack cut before its origin>"
	case g.Start.Function != "":
		return g.Start.Function // only runtime frames: the runtime's own goroutine
	}
	return "<unknown>"
}

// stackKeyText names a stack bucket for display: its innermost frame
// outside the runtime, its outermost frame and its depth. Two buckets may
// share a name; their Stack tells them apart.
func stackKeyText(g *model.Goroutine, st model.Stack) string {
	if len(st.Frames) == 0 {
		return "<no frames>"
	}
	top := st.Frames[0]
	for _, f := range st.Frames {
		if !IsRuntime(f.Function) {
			top = f
			break
		}
	}
	bottom := st.Frames[len(st.Frames)-1]
	for i := len(st.Frames) - 1; i > 0 && IsRuntime(bottom.Function); i-- {
		bottom = st.Frames[i-1]
	}
	depth := strconv.Itoa(len(st.Frames))
	if st.More {
		depth = "≥" + depth
	}
	s := top.Function + " " + model.ShortFile(top.File) + ":" + strconv.Itoa(top.Line)
	if bottom != top {
		s += " … " + bottom.Function
	}
	return s + " (" + depth + " frames)"
}

// locKey formats a location as "function file:line", or "<unknown>".
func locKey(l model.Location) string {
	if l.IsZero() {
		return "<unknown>"
	}
	return l.Function + " " + l.File + ":" + strconv.Itoa(l.Line)
}
