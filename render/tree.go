package render

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// Tree writes the creation trees under roots, one node a line, children
// drawn with box-drawing characters:
//
//	#1 main.main [running]
//	├─ #7 main.worker [chan receive] (app/main.go:40)
//	├─ ×1000 main.worker [chan receive] (app/main.go:52) (ids 12,13,14,15,16,…)
//	└─ #5 (exited) main.spawner (app/main.go:30)
//	   └─ #9 main.leaf [select] (app/spawn.go:12)
//
// A live node shows its start function, its state (with " in F" when it is
// blocked in a function F other than its start function) and the short
// location of the go statement that created it. Exited creators show as
// "#5 (exited) start" or "#5 (exited, no record)"; goroutines created in a
// cgo callback hang under "#17 (created in a C→Go callback on goroutine
// 17, …)", not under the goroutine that holds the reused id now.
func Tree(w io.Writer, roots []*chains.Node) error {
	bw := bufio.NewWriter(w)
	tw := treeWriter{w: bw, onPath: map[*chains.Node]bool{}, width: StyleOf(w).Width}
	for _, n := range roots {
		tw.node(n, "", "")
	}
	return bw.Flush()
}

type treeWriter struct {
	w      *bufio.Writer
	onPath map[*chains.Node]bool
	// width cuts each line to the terminal's width (0: whole lines).
	width int
}

// node writes n after prefix, then its children with childPrefix.
func (t *treeWriter) node(n *chains.Node, prefix, childPrefix string) {
	if n == nil {
		return
	}
	line := prefix + nodeText(n)
	if t.onPath[n] {
		t.w.WriteString(TruncateLine(line+" (cycle)", t.width) + "\n")
		return
	}
	t.w.WriteString(TruncateLine(line, t.width) + "\n")
	t.onPath[n] = true
	defer delete(t.onPath, n)
	for i, c := range n.Children {
		if i == len(n.Children)-1 {
			t.node(c, childPrefix+"└─ ", childPrefix+"   ")
		} else {
			t.node(c, childPrefix+"├─ ", childPrefix+"│  ")
		}
	}
}

// nodeText is the one-line description of a tree node: its identity, then
// what chains.LineOf says the line shows (nothing else of the node is read
// here, so that a folded line is true of every goroutine it stands for).
func nodeText(n *chains.Node) string {
	l := chains.LineOf(n)
	id := "#" + strconv.FormatInt(n.ID, 10)
	if n.Count > 1 {
		id = "×" + strconv.Itoa(n.Count)
	}
	var s string
	switch {
	case l.CallbackID && n.Count > 1:
		s = id + " (created in C→Go callbacks on these goroutine ids, each reused by every callback on its C thread)"
	case l.CallbackID:
		s = id + " (created in a C→Go callback on goroutine " + strconv.FormatInt(n.ID, 10) + ", an id every callback on its C thread reuses: not known to be the goroutine holding it now)"
	case l.Exited && !l.Recorded:
		s = id + " (exited, no record)"
	case l.Exited:
		s = id + " (exited)"
		if l.Start != "" {
			s += " " + Safe(l.Start)
		}
		if fl := fileLine(l.Site); fl != "" {
			s += " (" + fl + ")"
		}
	default:
		s = id + " " + liveLineText(l, n)
	}
	if n.Count > 1 {
		s += " (ids " + sampleIDs(n.IDs) + ")"
	}
	return s
}

// liveLineText is the line of a live goroutine after its id: start function
// (or task), state, blocked-in function and creation site.
func liveLineText(l chains.NodeLine, n *chains.Node) string {
	fn := Safe(l.Start)
	if fn == "" {
		fn = "?"
	}
	if l.Tracked {
		// Every tracker task starts in the tracker's runner: name the task;
		// a single task also shows its id (identity, not compared).
		fn = strings.TrimSpace("task " + Safe(l.TaskName))
		if n.Count <= 1 && n.Goroutine != nil && n.Goroutine.Task != nil {
			fn = "task " + TaskName(n.Goroutine.Task)
		}
	}
	state := stateText(&model.Goroutine{Status: l.Status, WaitReason: l.WaitReason})
	if l.BlockedIn != "" {
		state += " in " + Safe(l.BlockedIn)
	}
	s := fn + " [" + state + "]"
	if fl := fileLine(l.Site); fl != "" {
		s += " (" + fl + ")"
	}
	return s
}
