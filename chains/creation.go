package chains

import (
	"strings"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// TrackerPackage is the import path of the tracker module's package.
const TrackerPackage = model.TrackerPackage

// CreationSite is where the user's code created g. That is g's go statement,
// except for a tracker task: the tracker's own go statement runs every task,
// so the site is the first frame of the task's creation stack outside the
// tracker (the user's call of tracker.Go or Group.Go).
func CreationSite(g *model.Goroutine) model.Location {
	if g.Task == nil || !inTracker(g.GoStatement.Function) {
		return g.GoStatement
	}
	for _, f := range g.Task.Created {
		if f.Function != "" && !inTracker(f.Function) && !IsRuntime(f.Function) {
			return f.Location
		}
	}
	return g.GoStatement
}

// inTracker reports whether fn belongs to the tracker package.
func inTracker(fn string) bool {
	return strings.HasPrefix(fn, TrackerPackage+".")
}
