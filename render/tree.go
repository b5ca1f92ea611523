package render

import (
	"bufio"
	"io"
	"strconv"

	"github.com/dlv-tasks/dlv-tasks/chains"
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
// "#5 (exited) start" or "#5 (exited, no record)".
func Tree(w io.Writer, roots []*chains.Node) error {
	bw := bufio.NewWriter(w)
	tw := treeWriter{w: bw, onPath: map[*chains.Node]bool{}}
	for _, n := range roots {
		tw.node(n, "", "")
	}
	return bw.Flush()
}

type treeWriter struct {
	w      *bufio.Writer
	onPath map[*chains.Node]bool
}

// node writes n after prefix, then its children with childPrefix.
func (t *treeWriter) node(n *chains.Node, prefix, childPrefix string) {
	if n == nil {
		return
	}
	t.w.WriteString(prefix + nodeText(n))
	if t.onPath[n] {
		t.w.WriteString(" (cycle)\n")
		return
	}
	t.w.WriteByte('\n')
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

// nodeText is the one-line description of a tree node.
func nodeText(n *chains.Node) string {
	id := "#" + strconv.FormatInt(n.ID, 10)
	g := n.Goroutine
	if g == nil {
		if n.Exited == nil {
			return id + " (exited, no record)"
		}
		s := id + " (exited)"
		if fn := n.Exited.Start.Function; fn != "" {
			s += " " + Safe(fn)
		}
		if fl := fileLine(n.Exited.GoStatement); fl != "" {
			s += " (" + fl + ")"
		}
		return s
	}
	if n.Count > 1 {
		id = "×" + strconv.Itoa(n.Count)
	}
	fn := Safe(g.Start.Function)
	if fn == "" {
		fn = Safe(g.Location.Function)
	}
	if fn == "" {
		fn = "?"
	}
	state := stateText(g)
	if at := g.Location.Function; at != "" && Safe(at) != fn {
		state += " in " + Safe(at)
	}
	if g.Task != nil {
		// Every tracker task starts in the tracker's runner: name the task
		// (collapsed nodes share the name: it is part of their signature).
		if n.Count > 1 {
			fn = "task " + Safe(g.Task.Name)
		} else {
			fn = "task " + TaskName(g.Task)
		}
	}
	s := id + " " + fn + " [" + state + "]"
	if fl := fileLine(chains.CreationSite(g)); fl != "" {
		s += " (" + fl + ")"
	}
	if n.Count > 1 {
		s += " (ids " + sampleIDs(n.IDs) + ")"
	}
	return s
}
