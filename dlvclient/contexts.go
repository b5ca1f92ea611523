package dlvclient

import (
	"fmt"
	"reflect"
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
		if strings.Contains(err.Error(), "unknown goroutine") {
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
	for i, f := range frames {
		if f.Function == nil || skipFrameForContexts(f.Function.Name()) {
			continue
		}
		roots, err := s.frameContexts(gid, i, f.Function.Name())
		if err != nil {
			return nil, s.checkExited(fmt.Errorf("contexts of goroutine %d, frame %d (%s): %w", gid, i, f.Function.Name(), err))
		}
		for _, r := range roots {
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
	return out, nil
}

// skipFrameForContexts reports frames whose variables are never the user's
// contexts: the runtime's own.
func skipFrameForContexts(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/")
}

// frameContexts lists the context variables of one frame: arguments first,
// then locals.
func (s *Session) frameContexts(gid int64, frame int, fn string) ([]ctxRoot, error) {
	scope := api.EvalScope{GoroutineID: gid, Frame: frame}
	args, err := s.client.ListFunctionArgs(scope, ctxVarsCfg)
	if err != nil {
		return nil, fmt.Errorf("arguments: %w", err)
	}
	locals, err := s.client.ListLocalVariables(scope, ctxVarsCfg)
	if err != nil {
		return nil, fmt.Errorf("locals: %w", err)
	}
	var out []ctxRoot
	add := func(name string, v *api.Variable) {
		if typ, addr, ok := ifaceTarget(v); ok {
			out = append(out, ctxRoot{frame: frame, function: fn, name: name, typ: typ, addr: addr})
		}
	}
	for _, vs := range [][]api.Variable{args, locals} {
		for i := range vs {
			v := &vs[i]
			if v.Unreadable != "" {
				continue
			}
			if isContextType(v.Type) {
				add(v.Name, v)
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
