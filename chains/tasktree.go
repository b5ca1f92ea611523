package chains

import (
	"slices"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// TaskNode is one task in the task tree: a live task, or a marker for an
// ended (or no longer recorded) parent of live tasks.
type TaskNode struct {
	// ID is the task id.
	ID uint64
	// Known is false for a parent that is neither live nor recorded.
	Known bool
	// Ref is the task (Ref.Live for a live task, Ref.Ended for an ended
	// parent); zero when not Known.
	Ref TaskRef
	// Children are the tasks it started outside any group, by id.
	Children []*TaskNode
	// Scopes are the groups whose tasks it started, by group id.
	Scopes []*TaskScope
}

// TaskScope is a tracker group: the tasks started through it.
type TaskScope struct {
	GroupID uint64
	Name    string
	// Tasks are the group's tasks (live, or ended parents of live ones).
	Tasks []*TaskNode
}

// TaskForest is the whole task tree: tasks and groups started outside any
// task at the top.
type TaskForest struct {
	Tasks  []*TaskNode
	Scopes []*TaskScope
}

// BuildTaskTree nests the live tasks of tr by parent task, grouping the
// tasks a parent started through a tracker group in a scope for that
// group. A live task whose parent has ended hangs under a marker for the
// parent (nested in turn under the parent's own parent while records
// exist). Cycles in corrupt parent links are broken at their smallest id.
// snap, if not nil, links each live task to its goroutine.
func BuildTaskTree(tr *model.Tracker, snap *model.Snapshot) TaskForest {
	if tr == nil {
		return TaskForest{}
	}
	x := NewTaskIndex(tr, snap)
	b := taskTreeBuilder{x: x, nodes: map[uint64]*TaskNode{}, parent: map[uint64]uint64{}}
	for i := range tr.Live {
		id := tr.Live[i].ID
		if id == 0 || b.nodes[id] != nil {
			continue
		}
		ref, _ := x.Find(id)
		b.add(&TaskNode{ID: id, Known: true, Ref: ref})
	}
	for _, id := range slices.Clone(b.order) {
		p := b.nodes[id].Ref.Task.ParentID
		if p == 0 || p == id {
			continue
		}
		b.addMarkers(p)
		b.parent[id] = p
	}
	b.breakCycles()
	return b.link()
}

type taskTreeBuilder struct {
	x      *TaskIndex
	nodes  map[uint64]*TaskNode
	order  []uint64
	parent map[uint64]uint64
}

func (b *taskTreeBuilder) add(n *TaskNode) {
	b.nodes[n.ID] = n
	b.order = append(b.order, n.ID)
}

// addMarkers adds markers for the ended task id and its ended ancestors.
func (b *taskTreeBuilder) addMarkers(id uint64) {
	for { // each turn adds a node for a distinct recorded task
		if b.nodes[id] != nil {
			return
		}
		ref, ok := b.x.Find(id)
		b.add(&TaskNode{ID: id, Known: ok, Ref: ref})
		p := ref.Task.ParentID
		if !ok || p == 0 || p == id {
			return
		}
		if b.nodes[p] == nil {
			if _, known := b.x.Find(p); !known {
				return
			}
		}
		b.parent[id] = p
		id = p
	}
}

// breakCycles makes the smallest id of every parent cycle a root.
func (b *taskTreeBuilder) breakCycles() { breakParentCycles(b.order, b.parent) }

func (b *taskTreeBuilder) link() TaskForest {
	var f TaskForest
	for _, id := range b.order {
		n := b.nodes[id]
		tasks, scopes := &f.Tasks, &f.Scopes
		if p, ok := b.parent[id]; ok {
			tasks, scopes = &b.nodes[p].Children, &b.nodes[p].Scopes
		}
		if g := n.Ref.Task.GroupID; g != 0 {
			tasks = &scopeFor(scopes, g, n.Ref.Task.Group).Tasks
		}
		*tasks = append(*tasks, n)
	}
	sortTaskNodes(f.Tasks, f.Scopes)
	for _, n := range b.nodes {
		sortTaskNodes(n.Children, n.Scopes)
	}
	return f
}

func scopeFor(scopes *[]*TaskScope, id uint64, name string) *TaskScope {
	for _, s := range *scopes {
		if s.GroupID == id {
			return s
		}
	}
	s := &TaskScope{GroupID: id, Name: name}
	*scopes = append(*scopes, s)
	return s
}

func sortTaskNodes(tasks []*TaskNode, scopes []*TaskScope) {
	byID := func(a, b *TaskNode) int { return cmpU(a.ID, b.ID) }
	slices.SortFunc(tasks, byID)
	slices.SortFunc(scopes, func(a, b *TaskScope) int { return cmpU(a.GroupID, b.GroupID) })
	for _, s := range scopes {
		slices.SortFunc(s.Tasks, byID)
	}
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FindTaskNode returns the node of task id in f, or nil.
func (f TaskForest) FindTaskNode(id uint64) *TaskNode {
	seen := map[*TaskNode]bool{}
	var walk func(tasks []*TaskNode, scopes []*TaskScope) *TaskNode
	walk = func(tasks []*TaskNode, scopes []*TaskScope) *TaskNode {
		all := slices.Clone(tasks)
		for _, s := range scopes {
			all = append(all, s.Tasks...)
		}
		for _, n := range all {
			if n == nil || seen[n] {
				continue
			}
			seen[n] = true
			if n.ID == id {
				return n
			}
			if r := walk(n.Children, n.Scopes); r != nil {
				return r
			}
		}
		return nil
	}
	return walk(f.Tasks, f.Scopes)
}
