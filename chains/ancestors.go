package chains

import "github.com/dlv-tasks/dlv-tasks/model"

// WithAncestors returns s with the creators that only the runtime's
// GODEBUG=tracebackancestors records still describe added to its exited
// goroutines, so that creation chains and the creation tree run through
// them instead of stopping at "exited (no record)". ancestors maps a
// goroutine id to the records the runtime keeps in it (model.Ancestor,
// nearest creator first, as Delve's Ancestors returns them).
//
// Record k of a goroutine is its k-th creator: its id, and its stack when it
// executed the go statement that created creator k-1 (or the goroutine
// itself for k = 0). So creator k's own creator is record k+1, and the go
// statement that created creator k is the innermost frame outside the
// runtime of record k+1's stack. Creator k's start function is the
// outermost frame of its own recorded stack outside the runtime and the
// compiler's wrappers, when that stack reaches runtime.goexit. The last
// record's creator is not recorded (the runtime keeps N records): it gets
// ParentID 0 unless s itself knows more.
//
// What s holds about a goroutine (live, or its own exited record) always
// wins over an ancestor record. The returned ids are those added; s is not
// modified.
func WithAncestors(s *model.Snapshot, ancestors map[int64][]model.Ancestor) (*model.Snapshot, map[int64]bool) {
	added := map[int64]bool{}
	var extra []model.ExitedGoroutine
	known := func(id int64) bool {
		return s.Goroutine(id) != nil || s.ExitedGoroutine(id) != nil || added[id]
	}
	for _, as := range ancestors {
		for k, a := range as {
			if a.ID <= 0 || known(a.ID) || a.Unreadable != "" {
				continue
			}
			e := model.ExitedGoroutine{ID: a.ID, Start: startOfRecord(a.Stack)}
			if k+1 < len(as) && as[k+1].Unreadable == "" {
				e.ParentID = as[k+1].ID
				e.GoStatement = goStatementOfRecord(as[k+1].Stack)
			}
			added[a.ID] = true
			extra = append(extra, e)
		}
	}
	if len(extra) == 0 {
		return s, added
	}
	out := *s
	out.Exited = append(append([]model.ExitedGoroutine(nil), s.Exited...), extra...)
	out.Sort()
	return &out, added
}

// goStatementOfRecord is where a recorded creator executed its go
// statement: the innermost frame of its recorded stack outside the runtime.
func goStatementOfRecord(stack []model.Frame) model.Location {
	for _, f := range stack {
		if f.Function != "" && !IsRuntime(f.Function) {
			return f.Location
		}
	}
	return model.Location{}
}

// startOfRecord is a recorded creator's start function: the outermost frame
// of its recorded stack outside the runtime and compiler wrappers, when the
// stack is whole (ends in runtime.goexit).
func startOfRecord(stack []model.Frame) model.Location {
	if len(stack) == 0 || stack[len(stack)-1].Function != "runtime.goexit" {
		return model.Location{}
	}
	for i := len(stack) - 2; i >= 0; i-- {
		if f := stack[i]; f.Function != "" && !IsRuntime(f.Function) && !IsCompilerWrapper(f.Location) {
			return f.Location
		}
	}
	return model.Location{}
}

// CreationChainWithAncestors is CreationChain through the runtime's
// ancestor records of goroutine id (see WithAncestors): links whose parent
// only those records describe have FromAncestors set.
func CreationChainWithAncestors(s *model.Snapshot, id int64, ancestors []model.Ancestor) ([]Link, error) {
	s2, added := WithAncestors(s, map[int64][]model.Ancestor{id: ancestors})
	chain, err := CreationChain(s2, id)
	for i := range chain {
		chain[i].FromAncestors = added[chain[i].ParentID]
	}
	return chain, err
}
