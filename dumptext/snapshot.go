package dumptext

import (
	"sort"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// userFrameDepth is how deep Location is searched for a frame outside the
// runtime, as Delve's UserCurrent does.
const userFrameDepth = 30

// Snapshot converts the dump into the model's snapshot, goroutines ordered
// by id. What a dump cannot tell is left zero: Exited and Tracker are
// empty, Start has no line (a stack shows where the start function is now,
// not its entry), Waited is WaitMinutes whole minutes (a lower bound at
// minute granularity), and a goroutine whose stack was not printed is
// marked Unreadable.
func (d *Dump) Snapshot(target model.Target) *model.Snapshot {
	// Sort an index rather than the (large) goroutine records.
	order := make([]int32, len(d.Goroutines))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(i, j int) bool { return d.Goroutines[order[i]].ID < d.Goroutines[order[j]].ID })
	snap := &model.Snapshot{Target: target, Goroutines: make([]model.Goroutine, len(d.Goroutines))}
	for i, k := range order {
		snap.Goroutines[i] = d.Goroutines[k].model()
	}
	return snap
}

// model converts one goroutine.
func (g *Goroutine) model() model.Goroutine {
	m := model.Goroutine{
		ID:          g.ID,
		ParentID:    g.ParentID,
		Status:      g.Status,
		WaitReason:  g.WaitReason,
		Waited:      time.Duration(g.WaitMinutes) * time.Minute,
		Labels:      g.Labels,
		GoStatement: g.CreatedBy,
		Start:       g.Start(),
	}
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	if len(g.Frames) > 0 {
		m.CurrentLocation = g.Frames[0].Location
		m.Location = m.CurrentLocation
		for i, f := range g.Frames {
			if i == userFrameDepth {
				break
			}
			if isUserFunction(f.Function) {
				m.Location = f.Location
				break
			}
		}
	}
	m.System = isSystemStart(m.Start.Function)
	if g.StackUnavailable {
		m.Unreadable = "stack not printed: the goroutine was running on another thread"
	}
	return m
}

// Start returns the goroutine's start function, as the stack shows it: the
// frame the go statement's wrapper (caller.gowrapN) called when the wrapper
// is printed (GOTRACEBACK=system/crash), else the outermost frame above
// runtime.goexit. Zero when the stack was not printed or is cut at its
// bottom (Options.MaxFrames). Line is 0: the frame is where the function is
// now, not its entry.
func (g *Goroutine) Start() model.Location {
	fs := g.Frames
	if len(fs) == 0 || g.Truncated {
		return model.Location{}
	}
	if fs[len(fs)-1].Function == "runtime.goexit" {
		fs = fs[:len(fs)-1]
	}
	if len(fs) == 0 {
		return model.Location{}
	}
	start := fs[len(fs)-1]
	for i := len(fs) - 1; i > 0; i-- {
		if isGoWrapper(fs[i].Function) {
			start = fs[i-1]
			break
		}
	}
	return model.Location{Function: start.Function, File: start.File}
}

// isGoWrapper reports a go statement's wrapper function: F.gowrapN.
func isGoWrapper(fn string) bool {
	i := strings.LastIndex(fn, ".gowrap")
	if i < 0 {
		return false
	}
	digits := fn[i+len(".gowrap"):]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

// isUserFunction is Delve's test for a frame of user code (UserCurrent):
// not the runtime's private functions nor internal packages.
func isUserFunction(name string) bool {
	if !strings.Contains(name, ".") || strings.HasPrefix(name, "internal/") ||
		strings.HasPrefix(name, "runtime/internal") || strings.HasPrefix(name, "iter.") {
		return false
	}
	if rest, ok := strings.CutPrefix(name, "runtime."); ok {
		return rest != "" && 'A' <= rest[0] && rest[0] <= 'Z'
	}
	return true
}

// isSystemStart approximates the runtime's isSystemGoroutine, as the other
// sources do: goroutines started at a runtime function other than
// runtime.main.
func isSystemStart(fn string) bool {
	return (strings.HasPrefix(fn, "runtime.") && fn != "runtime.main") || strings.HasPrefix(fn, "internal/runtime/")
}
