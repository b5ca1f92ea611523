package chains

import (
	"fmt"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// MaxChainHops bounds the length of a creation chain.
const MaxChainHops = 10000

// Link is one step of a creation chain: ParentID created ChildID.
type Link struct {
	// ChildID is the goroutine that was created.
	ChildID int64
	// ParentID is the goroutine that executed the go statement.
	ParentID int64
	// GoStatement is where the parent created the child: the child's
	// GoStatement.
	GoStatement model.Location
	// Parent is the parent if it is still alive, else nil.
	Parent *model.Goroutine
	// ParentExited is the parent's record if it has exited and the runtime
	// kept the record. Parent and ParentExited both nil mean the parent
	// exited and nothing is known about it.
	ParentExited *model.ExitedGoroutine
	// FromAncestors says ParentExited was rebuilt from the runtime's
	// GODEBUG=tracebackancestors records (see WithAncestors), the runtime's
	// own record of the parent being gone.
	FromAncestors bool
	// ParentIDReused is set when ParentID belongs to a cgo callback
	// goroutine: every callback on its C thread gets that id, so neither
	// the goroutine holding it now nor its record is known to be the
	// creator (Parent and ParentExited are then nil).
	ParentIDReused bool
}

// CreationChain returns the chain of creators of goroutine id, live or
// exited, nearest first: id's creator, then that one's creator, and so on
// until a goroutine without parent (ParentID 0) or one that is not known
// any more, which ends the chain as a link with Parent and ParentExited nil.
// The chain stops before revisiting a goroutine (corrupt data) and after
// MaxChainHops links. A goroutine created by the runtime has an empty chain.
func CreationChain(s *model.Snapshot, id int64) ([]Link, error) {
	parent, goStmt, ok := creator(s, id)
	if !ok {
		return nil, fmt.Errorf("goroutine %d not found", id)
	}
	var chain []Link
	seen := map[int64]bool{id: true}
	for child := id; parent != 0 && !seen[parent] && len(chain) < MaxChainHops; {
		seen[parent] = true
		l := Link{
			ChildID:      child,
			ParentID:     parent,
			GoStatement:  goStmt,
			Parent:       s.Goroutine(parent),
			ParentExited: s.ExitedGoroutine(parent),
		}
		if l.Parent != nil {
			l.ParentExited = nil // a live goroutine's id wins over a stale record
		}
		if (l.Parent != nil && l.Parent.CgoCallback) || (l.ParentExited != nil && l.ParentExited.CgoCallback) {
			l.Parent, l.ParentExited, l.ParentIDReused = nil, nil, true
		}
		chain = append(chain, l)
		if l.Parent == nil && l.ParentExited == nil {
			break
		}
		child = parent
		parent, goStmt, _ = creator(s, child)
	}
	return chain, nil
}

// creator returns the parent id and go statement of goroutine id, live or
// exited, and whether id is known at all.
func creator(s *model.Snapshot, id int64) (int64, model.Location, bool) {
	if g := s.Goroutine(id); g != nil {
		return g.ParentID, g.GoStatement, true
	}
	if e := s.ExitedGoroutine(id); e != nil {
		return e.ParentID, e.GoStatement, true
	}
	return 0, model.Location{}, false
}
