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

// ctxNodeCfg loads one context struct: its parent interface (type and
// address) and, two levels down, the text of its err and cause.
var ctxNodeCfg = api.LoadConfig{FollowPointers: true, MaxVariableRecurse: 2, MaxStringLen: 256, MaxArrayValues: 4, MaxStructFields: 64}

// ctxRef identifies a context value: its dynamic type and address.
type ctxRef struct {
	typ  string
	addr uint64
}

// Context types of package context (Go 1.21 to 1.26), by dynamic type.
const (
	typCancel     = "*context.cancelCtx"
	typTimer      = "*context.timerCtx"
	typAfterFunc  = "*context.afterFuncCtx"
	typValue      = "*context.valueCtx"
	typWithout    = "context.withoutCancelCtx"
	typStop       = "context.stopCtx"
	typStopPtr    = "*context.stopCtx"
	typBackground = "context.backgroundCtx"
	typTODO       = "context.todoCtx"
	typEmpty      = "*context.emptyCtx" // before Go 1.21
)

// ctxMemo is what reading one context node gave: the node, its parent
// (more is false at the end of the chain) or why it could not be read.
type ctxMemo struct {
	node   model.ContextNode
	parent ctxRef
	more   bool
}

// walkContext follows a context value up to the root of its tree (see
// walkPath), reading each context struct through Delve, each distinct node
// once per stop: the nodes are remembered until the target runs, so
// goroutines sharing a chain share its reads.
func (s *Session) walkContext(gid int64, typ string, addr uint64, deadline time.Time) (path []model.ContextNode, incomplete string) {
	return walkPath(ctxRef{typ, addr}, contextMaxDepth, deadline, s.rememberedNode, func(k ctxRef) ctxMemo {
		m := s.readNode(gid, k)
		s.rememberNode(k, m)
		return m
	})
}

// readNode reads one context node from the target.
func (s *Session) readNode(gid int64, k ctxRef) ctxMemo {
	node := model.ContextNode{Type: k.typ, Addr: k.addr}
	if k.addr == 0 && strings.HasPrefix(k.typ, "*") {
		node.Unreadable = "nil pointer"
		return ctxMemo{node: node}
	}
	next, ok, err := s.readContextNode(gid, &node)
	if err != nil {
		node.Unreadable = err.Error()
		return ctxMemo{node: node}
	}
	return ctxMemo{node: node, parent: next, more: ok}
}

func (s *Session) rememberedNode(k ctxRef) (ctxMemo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.trk.ctxNodes[k]
	return m, ok
}

func (s *Session) rememberNode(k ctxRef, m ctxMemo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trk.ctxNodes == nil {
		s.trk.ctxNodes = map[ctxRef]ctxMemo{}
	}
	if len(s.trk.ctxNodes) < contextNodesMax {
		s.trk.ctxNodes[k] = m
	}
}

// readContextNode fills node (Err, Cause, Deadline) from the target and
// returns its parent context; ok is false at the end of the chain.
func (s *Session) readContextNode(gid int64, node *model.ContextNode) (parent ctxRef, ok bool, err error) {
	switch node.Type {
	case typBackground, typTODO, typEmpty:
		return ctxRef{}, false, nil
	case typCancel, typTimer, typAfterFunc:
		// cancelCtx is the first field of timerCtx and afterFuncCtx: one
		// read at the same address serves all three.
		v, err := s.evalAt(gid, "context.cancelCtx", node.Addr, ctxNodeCfg)
		if err != nil {
			return ctxRef{}, false, err
		}
		node.Err = errText(field(v, "err"))
		if cause := errText(field(v, "cause")); cause != node.Err {
			node.Cause = cause
		}
		if node.Type == typTimer {
			if d, err := s.evalExpr(gid, fmt.Sprintf("(*(*%q)(%#x)).deadline", "context.timerCtx", node.Addr), ctxVarsCfg); err == nil {
				node.Deadline = decodeTime(d)
			}
		}
		return parentOf(field(v, "Context"))
	case typValue:
		if parent, more, err, ok := s.fastValueParent(gid, node.Addr); ok {
			return parent, more, err
		}
	case typWithout:
		v, err := s.evalAt(gid, "context.withoutCancelCtx", node.Addr, ctxVarsCfg)
		if err != nil {
			return ctxRef{}, false, err
		}
		return parentOf(field(v, "c"))
	}
	// valueCtx, stopCtx and any other type: follow an embedded Context field
	// (tracker contexts and tasks, and most user wrappers, embed one).
	v, err := s.evalAt(gid, strings.TrimPrefix(node.Type, "*"), node.Addr, ctxVarsCfg)
	if err != nil {
		return ctxRef{}, false, err
	}
	c := field(v, "Context")
	if c == nil || !isContextType(c.Type) {
		return ctxRef{}, false, nil
	}
	return parentOf(c)
}

// fastValueParent reads the parent of the valueCtx at addr from 16 bytes
// of raw memory (its embedded Context), the dynamic type by itab address
// (each itab's type learned once from Delve): a fraction of the cost of
// evaluating the struct, for chains of thousands of values. The first use
// at a stop is checked against the evaluated struct; on any disagreement
// the fast path is turned off for the stop. ok is false when the caller
// must evaluate the struct itself.
func (s *Session) fastValueParent(gid int64, addr uint64) (parent ctxRef, more bool, err error, ok bool) {
	s.mu.Lock()
	state := s.trk.valueFast
	s.mu.Unlock()
	if state < 0 {
		return ctxRef{}, false, nil, false
	}
	b := make([]byte, ifaceSize)
	if err := (targetMemory{s.client}).ReadMemory(b, addr); err != nil {
		return ctxRef{}, false, fmt.Errorf("read %d bytes at %#x: %w", ifaceSize, addr, err), true
	}
	typeOf := func(tab uint64) (string, error) {
		s.mu.Lock()
		typ, known := s.trk.ctxTypes[tab]
		s.mu.Unlock()
		if known {
			return typ, nil
		}
		v, err := s.evalAt(gid, "context.Context", addr, ctxVarsCfg)
		if err != nil {
			return "", err
		}
		typ, _, ok := ifaceTarget(v)
		if !ok {
			return "", fmt.Errorf("no dynamic type for the interface at %#x", addr)
		}
		s.mu.Lock()
		if s.trk.ctxTypes == nil {
			s.trk.ctxTypes = map[uint64]string{}
		}
		s.trk.ctxTypes[tab] = typ
		s.mu.Unlock()
		return typ, nil
	}
	parent, more, err = valueParent(b, typeOf)
	if state == 0 {
		// Check the decoding once against Delve's reading of the struct.
		v, eerr := s.evalAt(gid, "context.valueCtx", addr, ctxVarsCfg)
		agree := false
		if eerr == nil && err == nil {
			want, wantMore, werr := parentOf(field(v, "Context"))
			agree = werr == nil && want == parent && wantMore == more
		}
		s.mu.Lock()
		s.trk.valueFast = -1
		if agree {
			s.trk.valueFast = 1
		}
		s.mu.Unlock()
		if !agree {
			return ctxRef{}, false, nil, false
		}
	}
	return parent, more, err, true
}

// evalAt reads the value of type typ (a Delve type name) at addr.
func (s *Session) evalAt(gid int64, typ string, addr uint64, cfg api.LoadConfig) (*api.Variable, error) {
	return s.evalExpr(gid, fmt.Sprintf("*(*%q)(%#x)", typ, addr), cfg)
}

func (s *Session) evalExpr(gid int64, expr string, cfg api.LoadConfig) (*api.Variable, error) {
	v, err := s.client.EvalVariable(api.EvalScope{GoroutineID: gid}, expr, cfg)
	if err != nil {
		return nil, err
	}
	if msg := firstUnreadable(v, 2); msg != "" {
		// Delve reports memory it cannot read on the fields it could not
		// load, not on the value: a context at an unmapped address comes
		// back as a struct of unreadable fields.
		return nil, fmt.Errorf("%s", msg)
	}
	return v, nil
}

// firstUnreadable returns the first Unreadable message of v or of its
// children within depth levels, "" if none.
func firstUnreadable(v *api.Variable, depth int) string {
	if v.Unreadable != "" {
		return v.Unreadable
	}
	if depth == 0 {
		return ""
	}
	for i := range v.Children {
		if msg := firstUnreadable(&v.Children[i], depth-1); msg != "" {
			return msg
		}
	}
	return ""
}

// parentOf turns the parent interface field of a context into the key of
// the next node; ok is false for a nil interface.
func parentOf(c *api.Variable) (ctxRef, bool, error) {
	if c == nil {
		return ctxRef{}, false, fmt.Errorf("no parent field")
	}
	if c.Unreadable != "" {
		return ctxRef{}, false, fmt.Errorf("parent: %s", c.Unreadable)
	}
	typ, addr, ok := ifaceTarget(c)
	if !ok {
		return ctxRef{}, false, nil
	}
	return ctxRef{typ, addr}, true, nil
}

// ifaceTarget returns the dynamic type of a non-nil interface variable and
// the address of its value (the pointee, for pointer types).
func ifaceTarget(v *api.Variable) (typ string, addr uint64, ok bool) {
	if v == nil || v.Kind != reflect.Interface || len(v.Children) == 0 {
		return "", 0, false
	}
	d := &v.Children[0]
	if d.Type == "" || d.Kind == reflect.Invalid {
		return "", 0, false
	}
	if d.Kind == reflect.Pointer {
		if len(d.Children) == 1 && d.Children[0].Addr != 0 {
			return d.Type, d.Children[0].Addr, true
		}
		p, err := strconv.ParseUint(d.Value, 0, 64)
		if err != nil {
			return d.Type, 0, true
		}
		return d.Type, p, true
	}
	return d.Type, d.Addr, true
}

// field returns the child of v named name, or nil.
func field(v *api.Variable, name string) *api.Variable {
	if v == nil {
		return nil
	}
	for i := range v.Children {
		if v.Children[i].Name == name {
			return &v.Children[i]
		}
	}
	return nil
}

// errText renders an error value read from the target without running any
// code: the context package's sentinel errors by type, other errors by the
// first string they hold (errors.New, fmt.Errorf), else by their type. A
// nil error is "". It accepts an atomic.Value holding the error (Go 1.26's
// cancelCtx.err).
func errText(v *api.Variable) string {
	if v == nil || v.Unreadable != "" {
		return ""
	}
	if v.Kind == reflect.Struct && v.Type == "sync/atomic.Value" {
		return errText(field(v, "v"))
	}
	if v.Kind != reflect.Interface {
		return ""
	}
	if len(v.Children) == 0 {
		return ""
	}
	d := &v.Children[0]
	if d.Type == "" || d.Kind == reflect.Invalid {
		return ""
	}
	if d.Type == "context.deadlineExceededError" || d.Type == "*context.deadlineExceededError" {
		return "context deadline exceeded"
	}
	if s, ok := firstString(d, 4); ok {
		return s
	}
	return "<" + d.Type + ">"
}

// firstString finds the first string in v, depth first, within depth levels.
func firstString(v *api.Variable, depth int) (string, bool) {
	if v.Kind == reflect.String {
		return v.Value, true
	}
	if depth == 0 {
		return "", false
	}
	for i := range v.Children {
		if s, ok := firstString(&v.Children[i], depth-1); ok {
			return s, true
		}
	}
	return "", false
}

// decodeTime decodes a time.Time read from the target (wall, ext), as
// package time lays it out. The location is ignored: the result is UTC.
func decodeTime(v *api.Variable) time.Time {
	wf, ef := field(v, "wall"), field(v, "ext")
	if wf == nil || ef == nil {
		return time.Time{}
	}
	wall, err1 := strconv.ParseUint(wf.Value, 10, 64)
	ext, err2 := strconv.ParseInt(ef.Value, 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}
	}
	const (
		hasMonotonic   = 1 << 63
		nsecMask       = 1<<30 - 1
		nsecShift      = 30
		wallToInternal = (1884*365 + 1884/4 - 1884/100 + 1884/400) * 86400
		unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 86400
	)
	nsec := int64(wall & nsecMask)
	sec := ext
	if wall&hasMonotonic != 0 {
		sec = wallToInternal + int64(wall<<1>>(nsecShift+1))
	}
	return time.Unix(sec-unixToInternal, nsec).UTC()
}

// firstCancelled returns the index of the first cancelled context on path,
// -1 if none. A withoutCancelCtx cuts the path: what is above it does not
// cancel what is below.
func firstCancelled(path []model.ContextNode) int {
	for i, n := range path {
		if n.Type == typWithout {
			return -1
		}
		if n.Err != "" {
			return i
		}
	}
	return -1
}
