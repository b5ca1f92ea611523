package render

import (
	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// WhereDoc is the document of where --json.
type WhereDoc struct {
	// Goroutine is the goroutine, null when it has exited.
	Goroutine *model.Goroutine `json:"goroutine"`
	// Stack is its stack, innermost frame first.
	Stack []model.Frame `json:"stack"`
	// StackCut says the stack goes on below its last frame (read to a
	// depth limit).
	StackCut bool `json:"stack_cut"`
	// CreationChain is its chain of creators, nearest first.
	CreationChain []LinkDoc `json:"creation_chain"`
	// Ancestors are its creators' stacks recorded by the runtime under
	// GODEBUG=tracebackancestors.
	Ancestors []model.Ancestor `json:"ancestors"`
}

// LinkDoc is one link of a creation chain in JSON.
type LinkDoc struct {
	// ChildID is the created goroutine.
	ChildID int64 `json:"child_id"`
	// ParentID is the goroutine that executed the go statement.
	ParentID int64 `json:"parent_id"`
	// GoStatement is where the parent created the child.
	GoStatement model.Location `json:"go_statement"`
	// ParentAlive is whether the parent still runs.
	ParentAlive bool `json:"parent_alive"`
	// ParentLocation is where a live parent is now, null otherwise.
	ParentLocation *model.Location `json:"parent_location"`
	// ParentState is a live parent's status or wait reason, "exited"
	// otherwise.
	ParentState string `json:"parent_state"`
	// ParentExitedStart is the start function of an exited parent whose
	// record survives, null otherwise.
	ParentExitedStart *model.Location `json:"parent_exited_start"`
}

// TreeDoc is one node of the creation tree in JSON (pstree --json).
type TreeDoc struct {
	// ID is the goroutine id (the first one for a collapsed node).
	ID int64 `json:"id"`
	// Exited marks a creator that has exited.
	Exited bool `json:"exited"`
	// CgoCallbackID marks a node for a cgo callback goroutine's id, not a
	// goroutine: its children were created in a C-to-Go callback on the C
	// thread that reuses the id for every callback (chains.Node.CallbackID).
	CgoCallbackID bool `json:"cgo_callback_id,omitempty"`
	// Count is how many goroutines the node stands for.
	Count int `json:"count"`
	// IDs are those goroutines' ids, ascending.
	IDs []int64 `json:"ids"`
	// Status is the goroutine status, empty for exited creators.
	Status string `json:"status"`
	// WaitReason is the runtime's wait reason, if waiting.
	WaitReason string `json:"wait_reason"`
	// Start is the start function.
	Start model.Location `json:"start"`
	// GoStatement is where the goroutine was created.
	GoStatement model.Location `json:"go_statement"`
	// Location is the user location, zero for exited creators. For a
	// folded node (Count > 1) Start and Location have only the function and
	// its file, which all the goroutines share (they may be at different
	// lines of it).
	Location model.Location `json:"location"`
	// Children are the goroutines it created.
	Children []TreeDoc `json:"children"`
}

// GroupDoc is one group of ps -group --json.
type GroupDoc struct {
	// Key is the shared value.
	Key string `json:"key"`
	// Count is the number of goroutines in the group.
	Count int `json:"count"`
	// IDs are their ids, ascending.
	IDs []int64 `json:"ids"`
	// States counts them by status or wait reason.
	States map[string]int `json:"states"`
	// Stack and CreatedBy are, for -group stack, the stack and go
	// statement the goroutines share; absent for other keys.
	Stack     *model.Stack    `json:"stack,omitempty"`
	CreatedBy *model.Location `json:"created_by,omitempty"`
}

// NewWhereDoc builds the where --json document; g may be nil.
func NewWhereDoc(g *model.Goroutine, frames []model.Frame, more bool, chain []chains.Link, ancestors []model.Ancestor) WhereDoc {
	d := WhereDoc{
		Stack:         nonNil(frames),
		StackCut:      more,
		CreationChain: NewLinkDocs(chain),
		Ancestors:     make([]model.Ancestor, len(ancestors)),
	}
	if g != nil {
		c := normalized(g)
		d.Goroutine = &c
	}
	for i, a := range ancestors {
		a.Stack = nonNil(a.Stack)
		d.Ancestors[i] = a
	}
	return d
}

// NewLinkDocs converts a creation chain; the result is never nil.
func NewLinkDocs(chain []chains.Link) []LinkDoc {
	out := make([]LinkDoc, len(chain))
	for i, l := range chain {
		d := LinkDoc{
			ChildID:     l.ChildID,
			ParentID:    l.ParentID,
			GoStatement: l.GoStatement,
			ParentState: "exited",
		}
		if l.ParentIDReused {
			d.ParentState = "cgo callback id"
		}
		if p := l.Parent; p != nil {
			loc := whereNow(p)
			d.ParentAlive = true
			d.ParentLocation = &loc
			d.ParentState = chains.State(p)
		} else if e := l.ParentExited; e != nil {
			start := e.Start
			d.ParentExitedStart = &start
		}
		out[i] = d
	}
	return out
}

// NewTreeDocs converts creation trees; the result is never nil.
func NewTreeDocs(roots []*chains.Node) []TreeDoc {
	return treeDocs(roots, map[*chains.Node]bool{})
}

func treeDocs(nodes []*chains.Node, onPath map[*chains.Node]bool) []TreeDoc {
	out := make([]TreeDoc, 0, len(nodes))
	for _, n := range nodes {
		if n == nil || onPath[n] {
			continue
		}
		d := TreeDoc{ID: n.ID, Count: max(n.Count, 1), IDs: n.IDs}
		if d.IDs == nil {
			d.IDs = []int64{n.ID}
		}
		switch {
		case n.CallbackID:
			d.CgoCallbackID = true
		case n.Goroutine != nil:
			g := n.Goroutine
			d.Status, d.WaitReason = g.Status, g.WaitReason
			d.Start, d.GoStatement, d.Location = g.Start, g.GoStatement, g.Location
		case n.Exited != nil:
			d.Exited = true
			d.Start, d.GoStatement = n.Exited.Start, n.Exited.GoStatement
		default:
			d.Exited = true
		}
		if d.Count > 1 {
			d.Start = model.Location{Function: d.Start.Function, File: d.Start.File}
			d.Location = model.Location{Function: d.Location.Function, File: d.Location.File}
		}
		onPath[n] = true
		d.Children = treeDocs(n.Children, onPath)
		delete(onPath, n)
		out = append(out, d)
	}
	return out
}

// NewGroupDocs converts groups; the result is never nil.
func NewGroupDocs(groups []chains.Group) []GroupDoc {
	out := make([]GroupDoc, len(groups))
	for i, g := range groups {
		d := GroupDoc{Key: g.Key, Count: g.Count, IDs: nonNil(g.IDs), States: g.States, Stack: g.Stack}
		if g.Stack != nil {
			site := g.CreatedBy
			d.CreatedBy = &site
		}
		if d.States == nil {
			d.States = map[string]int{}
		}
		out[i] = d
	}
	return out
}
