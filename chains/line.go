package chains

import "github.com/dlv-tasks/dlv-tasks/model"

// NodeLine is everything a line of the creation tree shows about a node
// apart from its identity (its id, or its count and ids when folded, and a
// tracker task's id). Collapse folds two sibling subtrees only when their
// roots have equal NodeLines (and their children fold alike), and the text
// renderer draws a line from the NodeLine and the identity alone: a folded
// line therefore never stands for goroutines that differ in anything it
// shows. A field added to the line must be added here.
type NodeLine struct {
	// Exited marks a creator that has exited; Recorded says the runtime
	// still holds its record (start function and go statement below).
	Exited, Recorded bool
	// CallbackID marks a cgo callback id's marker (Node.CallbackID).
	CallbackID bool
	// Start is the start function; for a live goroutine whose start is
	// unknown, its user location's function.
	Start string
	// Tracked says the goroutine runs a tracker task; TaskName is its name.
	Tracked  bool
	TaskName string
	// Status and WaitReason are the goroutine's state.
	Status, WaitReason string
	// BlockedIn is the user location's function when it differs from
	// Start: where the goroutine is, below its start function.
	BlockedIn string
	// Site is where the goroutine was created: CreationSite for a live
	// goroutine, the go statement for an exited record.
	Site model.Location
}

// LineOf returns what the tree line of n shows.
func LineOf(n *Node) NodeLine {
	g := n.Goroutine
	if n.CallbackID {
		return NodeLine{CallbackID: true}
	}
	if g == nil {
		l := NodeLine{Exited: true}
		if e := n.Exited; e != nil {
			l.Recorded = true
			l.Start = e.Start.Function
			l.Site = siteOnly(e.GoStatement)
		}
		return l
	}
	l := NodeLine{
		Start:      g.Start.Function,
		Status:     g.Status,
		WaitReason: g.WaitReason,
		Site:       siteOnly(CreationSite(g)),
	}
	if l.Start == "" {
		l.Start = g.Location.Function
	}
	if at := g.Location.Function; at != l.Start {
		l.BlockedIn = at
	}
	if g.Task != nil {
		l.Tracked, l.TaskName = true, g.Task.Name
	}
	return l
}

// siteOnly drops the pc, which the line does not show, from a location.
func siteOnly(l model.Location) model.Location {
	l.PC = 0
	return l
}
