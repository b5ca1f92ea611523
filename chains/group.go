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
)

var groupKeyNames = [...]string{
	GroupByCreation: "creation",
	GroupByLocation: "location",
	GroupByStart:    "start",
	GroupByLabel:    "label",
	GroupByParent:   "parent",
	GroupByTask:     "task",
	GroupByGroup:    "group",
}

// String returns the name ParseGroupKey accepts for k.
func (k GroupKey) String() string {
	if k >= 0 && int(k) < len(groupKeyNames) {
		return groupKeyNames[k]
	}
	return "GroupKey(" + strconv.Itoa(int(k)) + ")"
}

// ParseGroupKey parses "creation", "location", "start", "label", "parent",
// "task" or "group" (case-insensitive).
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
}

// GroupGoroutines groups gs by key; labelKey names the label for
// GroupByLabel and is ignored otherwise. Groups are ordered by Count,
// largest first, then by Key.
func GroupGoroutines(gs []model.Goroutine, key GroupKey, labelKey string) []Group {
	index := map[string]int{}
	var groups []Group
	for i := range gs {
		g := &gs[i]
		k := groupKey(g, key, labelKey)
		j, ok := index[k]
		if !ok {
			j = len(groups)
			index[k] = j
			groups = append(groups, Group{Key: k, States: map[string]int{}})
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

// locKey formats a location as "function file:line", or "<unknown>".
func locKey(l model.Location) string {
	if l.IsZero() {
		return "<unknown>"
	}
	return l.Function + " " + l.File + ":" + strconv.Itoa(l.Line)
}
