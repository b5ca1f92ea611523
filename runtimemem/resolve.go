package runtimemem

// Resolved is one goroutine's locations, symbolized.
type Resolved struct {
	// Current is where the goroutine is: frame 0. For a goroutine in a
	// system call, interrupted by a signal, or parked while its thread
	// still holds it, it is the innermost (inlined) frame; otherwise the
	// physical function holding the pc (Delve's CurrentLoc convention).
	Current Frame
	// User is the first frame of the stack, inlined frames included, that
	// passes IsUserFunction (Delve's user frame rule) within the pcs
	// collected; Current when there is none (HasUser false).
	User    Frame
	HasUser bool
	// GoStatement is the go statement that created the goroutine (its
	// line from the call instruction; PC is g.gopc).
	GoStatement Frame
	// Start is the function at g.startpc, at its entry line.
	Start Frame
}

// Resolve symbolizes the goroutines of c (index-aligned with
// c.Goroutines), once per distinct pc. Dead goroutines get only
// GoStatement and Start.
func (s *Symbols) Resolve(c *Collection) []Resolved {
	out := make([]Resolved, len(c.Goroutines))
	for i := range c.Goroutines {
		out[i] = s.ResolveOne(c, &c.Goroutines[i])
	}
	return out
}

// ResolveOne is Resolve for one goroutine.
func (s *Symbols) ResolveOne(c *Collection, g *G) Resolved {
	var r Resolved
	r.GoStatement = s.goStatement(g.GoPC)
	r.Start = s.StartFrame(g.StartPC)
	if g.Dead() {
		return r
	}
	top, _ := c.PCs(g)
	if len(top) == 0 {
		return r
	}
	innermost := g.Origin == OriginSyscall || g.Origin == OriginSignal || (g.Origin == OriginSched && g.ThreadID != 0)
	first := true
	s.walk(g, top, func(fs []Frame, i int) bool {
		if first {
			first = false
			r.Current = fs[len(fs)-1] // the physical frame
			if innermost {
				r.Current = fs[0]
			}
		}
		for _, f := range fs {
			if IsUserFunction(f.Function) {
				r.User, r.HasUser = f, true
				return false
			}
		}
		return true
	})
	if !r.HasUser {
		r.User = r.Current
	}
	return r
}

// walk symbolizes the pcs of g's stack in order, calling f with each pc's
// frames (innermost first) until it returns false.
func (s *Symbols) walk(g *G, pcs []uint64, f func(fs []Frame, i int) bool) {
	prevInjected := false
	for i, pc := range pcs {
		lk := call
		switch {
		case i == 0 && g.Origin == OriginSyscall:
			lk = callLineAtPC
		case i == 0, prevInjected:
			lk = exact
		case i == 1 && g.Origin == OriginSystemStack:
			lk = exact // the pc saved when it switched stacks
		}
		fs := s.frames0(pc, lk)
		if !f(fs, i) {
			return
		}
		phys := fs[len(fs)-1].Function
		// The runtime injects these calls at an interrupted instruction:
		// the pc they return to is exact.
		prevInjected = phys == "runtime.asyncPreempt" || phys == "runtime.sigpanic"
	}
}

// Stack symbolizes g's whole collected stack: the top frames and, for a
// stack deeper than Options.Depth, its bottom ones (more says so).
func (s *Symbols) Stack(c *Collection, g *G) (top, bottom []Frame, more bool) {
	pcs, bot := c.PCs(g)
	s.walk(g, pcs, func(fs []Frame, _ int) bool {
		top = append(top, fs...)
		return true
	})
	for _, pc := range bot {
		bottom = append(bottom, s.frames0(pc, call)...)
	}
	return top, bottom, len(bot) > 0 || g.StackCut
}

// goStatement locates a go statement from g.gopc (a return address of the
// call to newproc: its line is the call's).
func (s *Symbols) goStatement(pc uint64) Frame {
	if pc == 0 {
		return Frame{}
	}
	return s.cached(frameKey{pc, goStatementKey}, func() Frame { return s.goStatement0(pc) })
}

func (s *Symbols) goStatement0(pc uint64) Frame {
	at := pc
	if _, entry, ok := s.Func(pc); ok && pc > entry {
		at = pc - 1
	}
	name, entry, ok := s.Func(at)
	if !ok {
		return Frame{PC: pc}
	}
	file, line, _ := s.Line(at)
	return Frame{Function: name, File: file, Line: line, PC: pc, Entry: entry}
}

// StartFrame locates the function at pc (a goroutine's start pc) at its
// entry line.
func (s *Symbols) StartFrame(pc uint64) Frame {
	if pc == 0 {
		return Frame{}
	}
	return s.cached(frameKey{pc, startKey}, func() Frame { return s.startFrame0(pc) })
}

// cached memoizes a one-frame answer under k.
func (s *Symbols) cached(k frameKey, f func() Frame) Frame {
	s.mu.Lock()
	fs, ok := s.frames[k]
	s.mu.Unlock()
	if ok {
		return fs[0]
	}
	fr := f()
	s.mu.Lock()
	s.frames[k] = []Frame{fr}
	s.mu.Unlock()
	return fr
}

func (s *Symbols) startFrame0(pc uint64) Frame {
	name, entry, ok := s.Func(pc)
	if !ok {
		return Frame{PC: pc}
	}
	file, line, _ := s.Line(entry)
	return Frame{Function: name, File: file, Line: line, PC: entry, Entry: entry}
}

// Function locates the function named name at its entry line; ok is false
// when the executable has no such (out-of-line) function.
func (s *Symbols) Function(name string) (Frame, bool) {
	fn := s.pcln.LookupFunc(name)
	if fn == nil {
		return Frame{}, false
	}
	return s.StartFrame(fn.Entry), true
}
