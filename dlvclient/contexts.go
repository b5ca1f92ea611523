package dlvclient

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Bounds of the context walk.
const (
	// contextFrames is how many frames of a goroutine are searched for
	// context variables.
	contextFrames = 64
	// contextMaxDepth bounds the walk up one context tree: far beyond real
	// programs' chains (each level is a With* call), so that a cut means
	// corrupt memory or a pathological program.
	contextMaxDepth = 100_000
	// contextNodesMax bounds the context nodes remembered at one stop.
	contextNodesMax = 1 << 20
	// contextCallTime bounds the reads of one Contexts call, and
	// contextStopTime those of all the calls at one stop (ps -cancelled
	// walks every goroutine's contexts): past them, walks that need
	// nodes not read yet are cut and say so, and the target (stopped
	// while it is read) is released.
	contextCallTime = 3 * time.Second
	contextStopTime = 10 * time.Second
)

// ctxVarsCfg loads a frame's variables just deep enough to see the dynamic
// type and address behind each context.Context (also in struct fields one
// level deep).
var ctxVarsCfg = api.LoadConfig{FollowPointers: true, MaxVariableRecurse: 1, MaxStringLen: 64, MaxArrayValues: 16, MaxStructFields: 64}

// ctxRoot is a context variable found in a frame.
type ctxRoot struct {
	frame    int
	function string
	name     string
	typ      string // dynamic type, as Delve names it
	addr     uint64 // address of the dynamic value (the pointee for pointer types)
	// hidden says why the variable's value is not visible ("" when it is).
	hidden string
}

// frameFindings is what one frame holds: context variables and the
// addresses of the contexts whose cancel functions it holds.
type frameFindings struct {
	roots   []ctxRoot
	cancels []uint64
}

// Contexts finds the context.Context variables (arguments and locals, and
// context fields of struct variables) in the frames of goroutine gid and
// walks each one up its context tree to the root, reporting every context
// on the way and the first one that is cancelled. A context value seen in
// several frames is reported once, for the innermost frame. Memory that
// cannot be read ends a path with a node that says so; it never fails the
// whole call.
func (s *Session) Contexts(gid int64) ([]model.ContextChain, error) {
	frames, err := s.client.Stacktrace(gid, contextFrames, 0, 0, nil)
	if err != nil {
		if isDelveError(err, errDelveUnknownGoroutine) {
			return nil, fmt.Errorf("goroutine %d: %w", gid, ErrUnknownGoroutine)
		}
		return nil, s.checkExited(fmt.Errorf("contexts of goroutine %d: stack: %w", gid, err))
	}
	start := time.Now()
	s.mu.Lock()
	left := contextStopTime - s.trk.ctxWalkTime
	s.mu.Unlock()
	deadline := start.Add(min(contextCallTime, max(left, 0)))
	defer func() {
		s.mu.Lock()
		s.trk.ctxWalkTime += time.Since(start)
		s.mu.Unlock()
	}()
	seen := map[ctxRef]bool{}
	var out []model.ContextChain
	holds := map[uint64]bool{} // contexts whose cancel functions the goroutine holds
	for i, f := range frames {
		if f.Function == nil || skipFrameForContexts(f.Function.Name()) {
			continue
		}
		found, err := s.frameContexts(gid, i, f.Function.Name(), f.Function.Optimized)
		if err != nil {
			return nil, s.checkExited(fmt.Errorf("contexts of goroutine %d, frame %d (%s): %w", gid, i, f.Function.Name(), err))
		}
		for _, a := range found.cancels {
			holds[a] = true
		}
		for _, r := range found.roots {
			if r.hidden != "" {
				out = append(out, model.ContextChain{Frame: r.frame, Function: r.function, Variable: r.name,
					Path: []model.ContextNode{}, Cancelled: -1, Incomplete: r.hidden})
				continue
			}
			k := ctxRef{r.typ, r.addr}
			if seen[k] {
				continue
			}
			seen[k] = true
			path, incomplete := s.walkContext(gid, r.typ, r.addr, deadline)
			out = append(out, model.ContextChain{
				Frame: r.frame, Function: r.function, Variable: r.name,
				Path: path, Cancelled: firstCancelled(path), Incomplete: incomplete,
			})
		}
	}
	for i := range out {
		c := &out[i]
		if o := cancelOrigin(c.Path, c.Cancelled); o >= 0 && holds[c.Path[o].Addr] {
			c.HoldsCancel = true
		}
	}
	return out, nil
}

// cancelOrigin returns the index of the context where the cancellation of
// path started: the topmost cancelled context above the first cancelled
// one (cancellation propagates from parent to child), -1 if none.
func cancelOrigin(path []model.ContextNode, first int) int {
	if first < 0 || first >= len(path) {
		return -1
	}
	o := first
	for i := first + 1; i < len(path); i++ {
		if path[i].Type == typWithout {
			break
		}
		if path[i].Err != "" {
			o = i
		}
	}
	return o
}

// skipFrameForContexts reports frames whose variables are never the user's
// contexts: the runtime's own.
func skipFrameForContexts(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/")
}

// frameContexts lists the context variables of one frame: arguments first,
// then locals, each with the contexts in its struct fields (one level, through
// one pointer) and, for a func value, in the variables its closure captured
// (an optimized build often keeps a context only there). A context variable
// whose value the debug info does not give here (optimized away) is listed
// with hidden set. The cancel functions the frame holds (context.CancelFunc
// and CancelCauseFunc values, whose closures capture their context) are
// listed by the address of their context.
func (s *Session) frameContexts(gid int64, frame int, fn string, optimized bool) (frameFindings, error) {
	scope := api.EvalScope{GoroutineID: gid, Frame: frame}
	args, err := s.client.ListFunctionArgs(scope, ctxVarsCfg)
	if err != nil {
		return frameFindings{}, fmt.Errorf("arguments: %w", err)
	}
	locals, err := s.client.ListLocalVariables(scope, ctxVarsCfg)
	if err != nil {
		return frameFindings{}, fmt.Errorf("locals: %w", err)
	}
	var out frameFindings
	add := func(name string, v *api.Variable) {
		if typ, addr, ok := ifaceTarget(v); ok {
			out.roots = append(out.roots, ctxRoot{frame: frame, function: fn, name: name, typ: typ, addr: addr})
		}
	}
	for _, vs := range [][]api.Variable{args, locals} {
		for i := range vs {
			v := &vs[i]
			if v.Unreadable != "" {
				if isContextType(v.Type) {
					out.roots = append(out.roots, ctxRoot{frame: frame, function: fn, name: v.Name, hidden: hiddenReason(optimized, v.Unreadable)})
				}
				continue
			}
			if isContextType(v.Type) {
				add(v.Name, v)
				continue
			}
			if v.Kind == reflect.Func {
				if isCancelFunc(v.Type) {
					if a, ok := cancelTarget(v); ok {
						out.cancels = append(out.cancels, a)
					}
					continue
				}
				for j := range v.Children {
					if c := &v.Children[j]; isContextType(c.Type) && c.Unreadable == "" {
						add(v.Name+"."+c.Name, c)
					}
				}
				continue
			}
			// Struct fields one level deep (through one pointer).
			st := v
			if st.Kind == reflect.Pointer && len(st.Children) == 1 {
				st = &st.Children[0]
			}
			if st.Kind != reflect.Struct {
				continue
			}
			for j := range st.Children {
				if c := &st.Children[j]; isContextType(c.Type) && c.Unreadable == "" {
					add(v.Name+"."+c.Name, c)
				}
			}
		}
	}
	return out, nil
}

func isContextType(t string) bool { return t == "context.Context" }

// isCancelFunc reports the types of package context's cancel functions.
func isCancelFunc(t string) bool { return t == "context.CancelFunc" || t == "context.CancelCauseFunc" }

// cancelTarget returns the address of the context a cancel function
// cancels: the one pointer to a context struct its closure captured.
func cancelTarget(v *api.Variable) (uint64, bool) {
	for i := range v.Children {
		c := &v.Children[i]
		if c.Kind != reflect.Pointer || !strings.HasPrefix(c.Type, "*context.") || c.Unreadable != "" {
			continue
		}
		if len(c.Children) == 1 && c.Children[0].Addr != 0 {
			return c.Children[0].Addr, true
		}
		if p, err := strconv.ParseUint(c.Value, 0, 64); err == nil && p != 0 {
			return p, true
		}
	}
	return 0, false
}

// hiddenReason says why a context variable's value is not visible.
func hiddenReason(optimized bool, unreadable string) string {
	if optimized {
		return "not visible at this point of an optimized function (" + unreadable + "); rebuild with -gcflags=all=-N -l to see every context"
	}
	return "unreadable: " + unreadable
}
