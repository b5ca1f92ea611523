package chains

import (
	"slices"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Node is one goroutine in the creation tree.
type Node struct {
	// ID is the goroutine id; for a collapsed node, that of the first
	// subtree merged into it.
	ID int64
	// Goroutine is the live goroutine, nil for an exited creator.
	Goroutine *model.Goroutine
	// Exited is the record of an exited creator when the runtime kept it;
	// nil for live goroutines and for creators exited without a record.
	Exited *model.ExitedGoroutine
	// Children are the goroutines this one created, ordered by id.
	Children []*Node
	// Count is the number of goroutines this node stands for: 1, or more
	// when Collapse merged identical sibling subtrees into it.
	Count int
	// IDs are the ids of the goroutines this node stands for, ascending.
	IDs []int64
	// CallbackID marks a node that stands for a cgo callback goroutine's
	// id, not for one goroutine: its children were created in a C-to-Go
	// callback on the C thread whose goroutine has that id, which the
	// runtime hands to every callback on that thread (model.Goroutine
	// CgoCallback), so the goroutine holding it now, if any, may not be
	// their creator. Goroutine and Exited are nil.
	CallbackID bool
}

// IsExited reports whether n is a marker for a creator that has exited.
func (n *Node) IsExited() bool { return n.Goroutine == nil && !n.CallbackID }

// BuildTree returns the creation tree of the live goroutines of s, roots
// ordered by id. Every live goroutine appears exactly once. A goroutine
// without a parent (ParentID 0) is a root; one whose parent has exited hangs
// under a marker node for that parent (Goroutine nil, Exited set when s keeps
// its record). A marker is nested under its own parent when the exited record
// names one that is live or recorded, following records upward while they
// exist; otherwise it is a root. Cycles in corrupt parent links are broken by
// making the smallest id of the cycle a root.
func BuildTree(s *model.Snapshot) []*Node {
	b := treeBuilder{
		exited:     make(map[int64]*model.ExitedGoroutine, len(s.Exited)),
		nodes:      make(map[int64]*Node, len(s.Goroutines)),
		parent:     make(map[int64]int64, len(s.Goroutines)),
		callbacks:  map[int64]*Node{},
		inCallback: map[int64]bool{},
	}
	for i := range s.Exited {
		if _, dup := b.exited[s.Exited[i].ID]; !dup {
			b.exited[s.Exited[i].ID] = &s.Exited[i]
		}
	}
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if _, dup := b.nodes[g.ID]; dup {
			continue
		}
		b.nodes[g.ID] = &Node{ID: g.ID, Goroutine: g, Count: 1, IDs: []int64{g.ID}}
		b.order = append(b.order, g.ID)
	}
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if b.nodes[g.ID].Goroutine != g { // duplicate id
			continue
		}
		p := g.ParentID
		if p == 0 || p == g.ID {
			continue
		}
		n, live := b.nodes[p]
		if (live && n.Goroutine != nil && n.Goroutine.CgoCallback) || (!live && b.exited[p] != nil && b.exited[p].CgoCallback) {
			// A cgo callback's id, reused by every callback on its
			// thread: the holder is not known to be the creator.
			b.underCallback(g.ID, p)
			continue
		}
		if !live {
			b.addMarkers(p)
		}
		b.parent[g.ID] = p
	}
	b.breakCycles()
	return b.link()
}

type treeBuilder struct {
	exited map[int64]*model.ExitedGoroutine
	nodes  map[int64]*Node // live goroutines and exited markers, by id
	order  []int64         // ids of nodes in creation order
	parent map[int64]int64 // node id -> parent node id; absent for roots
	// callbacks are the callback markers by id (Node.CallbackID); their
	// children are attached as they are found.
	callbacks  map[int64]*Node
	inCallback map[int64]bool // ids of the goroutines under a callback marker
}

// underCallback hangs the goroutine id under the callback marker for the
// cgo callback goroutine id cb.
func (b *treeBuilder) underCallback(id, cb int64) {
	m := b.callbacks[cb]
	if m == nil {
		m = &Node{ID: cb, CallbackID: true, Count: 1, IDs: []int64{cb}}
		b.callbacks[cb] = m
	}
	m.Children = append(m.Children, b.nodes[id])
	b.inCallback[id] = true
}

// addMarkers adds a marker for the exited goroutine id and, following
// exited records upward, markers for its exited ancestors.
func (b *treeBuilder) addMarkers(id int64) {
	for {
		if _, ok := b.nodes[id]; ok {
			return
		}
		rec := b.exited[id]
		b.nodes[id] = &Node{ID: id, Exited: rec, Count: 1, IDs: []int64{id}}
		b.order = append(b.order, id)
		if rec == nil || rec.ParentID == 0 || rec.ParentID == id {
			return
		}
		p := rec.ParentID
		if _, ok := b.nodes[p]; ok {
			b.parent[id] = p
			return
		}
		if b.exited[p] == nil {
			return // parent unknown: the marker is a root
		}
		b.parent[id] = p
		id = p
	}
}

// breakCycles makes the smallest id of every parent cycle a root.
func (b *treeBuilder) breakCycles() { breakParentCycles(b.order, b.parent) }

// link attaches every node to its parent and returns the roots.
func (b *treeBuilder) link() []*Node {
	var roots []*Node
	for _, id := range b.order {
		n := b.nodes[id]
		if p, ok := b.parent[id]; ok {
			pn := b.nodes[p]
			pn.Children = append(pn.Children, n)
		} else if !b.inCallback[id] {
			roots = append(roots, n)
		}
	}
	byID := func(a, b *Node) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	}
	for _, m := range b.callbacks {
		roots = append(roots, m)
	}
	for _, n := range b.nodes {
		slices.SortFunc(n.Children, byID)
	}
	for _, m := range b.callbacks {
		slices.SortFunc(m.Children, byID)
	}
	// A callback marker comes right after the goroutine of its id.
	slices.SortStableFunc(roots, func(a, b *Node) int {
		if c := byID(a, b); c != 0 {
			return c
		}
		switch {
		case !a.CallbackID && b.CallbackID:
			return -1
		case a.CallbackID && !b.CallbackID:
			return 1
		}
		return 0
	})
	return roots
}

// MissingCreators returns, for each creator that the snapshot neither has
// alive nor has a record of, one live goroutine it created (ascending by
// creator id): the goroutine whose tracebackancestors records (see
// WithAncestors) can tell who that creator was.
func MissingCreators(s *model.Snapshot) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		p := g.ParentID
		if p == 0 || p == g.ID || seen[p] || s.Goroutine(p) != nil || s.ExitedGoroutine(p) != nil {
			continue
		}
		seen[p] = true
		out = append(out, g.ID)
	}
	return out
}

// Subtree returns the node with the given id in the trees under roots, or
// nil. It finds live goroutines, exited markers and, after Collapse, any of
// the ids a collapsed node stands for.
func Subtree(roots []*Node, id int64) *Node {
	seen := map[*Node]bool{}
	stack := slices.Clone(roots)
	slices.Reverse(stack)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		if !n.CallbackID && (n.ID == id || slices.Contains(n.IDs, id)) { // a callback marker is not goroutine id
			return n
		}
		for i := len(n.Children) - 1; i >= 0; i-- {
			stack = append(stack, n.Children[i])
		}
	}
	return nil
}
