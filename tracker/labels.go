package tracker

import (
	"context"
	"reflect"
	"runtime/pprof"
	"unsafe"
)

// A task's pprof labels live inside the task itself instead of in the three objects
// pprof.WithLabels allocates (the label slice, the label map and a context.valueCtx):
// the task answers Value for runtime/pprof's label key with a label map it embeds.
// That is worth about 70 ns and three allocations per spawn.
//
// runtime/pprof keeps a context's labels as a *labelMap under an unexported key, and the
// runtime and the profiler read that map as the struct internal/runtime/pprof/label.Set:
// one slice of {Key, Value string} pairs sorted by key. labelSet mirrors that layout.
// initLabels learns the key and the map's type from a context pprof itself built,
// checks the layout with reflect and round-trips labels through pprof.Label, ForLabels
// and WithLabels; only when all of that holds are labels embedded (directLabels). On a
// Go release where any of it fails, tasks get their labels from pprof.WithLabels.

// label mirrors internal/runtime/pprof/label.Label.
type label struct {
	key, value string
}

// labelSet mirrors runtime/pprof's labelMap (internal/runtime/pprof/label.Set): labels
// sorted by key, no duplicates.
type labelSet struct {
	list []label
}

// eface is the layout of an empty interface value.
type eface struct {
	typ, data unsafe.Pointer
}

// Set once by init, read-only afterwards.
var (
	directLabels  bool           // embedded labels are in use
	pprofLabelKey any            // runtime/pprof's context key for labels
	labelMapType  unsafe.Pointer // the interface type word of *pprof.labelMap
	labelsOff     string         // why directLabels is false ("" when it is true)
)

// keySpy records the key and value of the last Value call it forwards.
type keySpy struct {
	context.Context
	key, val any
}

// Value forwards to the wrapped context and remembers the key and the answer.
func (s *keySpy) Value(key any) any {
	s.key = key
	s.val = s.Context.Value(key)
	return s.val
}

// labelsCtx is a context whose label map is a labelSet, to test the round trip.
type labelsCtx struct {
	context.Context
	set *labelSet
}

// Value answers the label key with c.set, as a task does.
func (c *labelsCtx) Value(key any) any {
	if key == pprofLabelKey {
		return labelMapAny(c.set)
	}
	return c.Context.Value(key)
}

// labelMapAny returns set as the *pprof.labelMap runtime/pprof expects.
func labelMapAny(set *labelSet) (v any) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ = labelMapType
	e.data = unsafe.Pointer(set)
	return v
}

// initLabels enables embedded labels when runtime/pprof's label map has the expected
// layout. It reports why not otherwise ("" when enabled).
func initLabels() string {
	spy := &keySpy{Context: pprof.WithLabels(context.Background(), pprof.Labels("k", "v"))}
	if v, ok := pprof.Label(spy, "k"); !ok || v != "v" || spy.key == nil || spy.val == nil {
		return "pprof.Label does not look labels up through Value"
	}
	if !labelMapShape(reflect.TypeOf(spy.val)) {
		return "the label map's layout is not a sorted slice of {Key, Value string}"
	}
	m := (*labelSet)((*eface)(unsafe.Pointer(&spy.val)).data)
	if len(m.list) != 1 || m.list[0] != (label{"k", "v"}) {
		return "the label map does not hold the labels set"
	}
	pprofLabelKey = spy.key
	labelMapType = (*eface)(unsafe.Pointer(&spy.val)).typ
	set := &labelSet{list: []label{{"a", "1"}, {"b", "2"}}}
	ctx := &labelsCtx{Context: context.Background(), set: set}
	var seen []label
	pprof.ForLabels(ctx, func(k, v string) bool { seen = append(seen, label{k, v}); return true })
	child := pprof.WithLabels(ctx, pprof.Labels("c", "3"))
	if v, _ := pprof.Label(ctx, "b"); v != "2" || len(seen) != 2 || seen[0] != set.list[0] {
		pprofLabelKey, labelMapType = nil, nil
		return "pprof does not read an embedded label map"
	}
	if v, _ := pprof.Label(child, "a"); v != "1" {
		pprofLabelKey, labelMapType = nil, nil
		return "pprof does not merge an embedded label map"
	}
	directLabels = true
	return ""
}

// labelMapShape reports whether t is a pointer to a struct whose only content is a
// slice of {string, string}, the layout of labelSet.
func labelMapShape(t reflect.Type) bool {
	if t == nil || t.Kind() != reflect.Pointer {
		return false
	}
	s := t.Elem()
	for s.Kind() == reflect.Struct && s.NumField() == 1 && s.Field(0).Offset == 0 &&
		s.Size() == s.Field(0).Type.Size() {
		s = s.Field(0).Type // labelMap{label.Set{List}}: unwrap the nesting
	}
	if s.Kind() != reflect.Slice || s.Size() != unsafe.Sizeof([]label{}) {
		return false
	}
	e := s.Elem()
	return e.Kind() == reflect.Struct && e.NumField() == 2 &&
		e.Size() == unsafe.Sizeof(label{}) &&
		e.Field(0).Type.Kind() == reflect.String && e.Field(0).Offset == unsafe.Offsetof(label{}.key) &&
		e.Field(1).Type.Kind() == reflect.String && e.Field(1).Offset == unsafe.Offsetof(label{}.value)
}

// parentLabels returns the labels ctx carries (sorted by key), nil if none.
func parentLabels(ctx context.Context) []label {
	v := ctx.Value(pprofLabelKey)
	if v == nil {
		return nil
	}
	e := (*eface)(unsafe.Pointer(&v))
	if e.typ != labelMapType || e.data == nil {
		return nil
	}
	return (*labelSet)(e.data).list
}

// taskLabels returns parent's labels with task=name and task.id=id added (replacing
// labels of those keys), sorted by key as pprof keeps them. own is the task's storage,
// used as is when parent is empty; otherwise the merged list is allocated.
func taskLabels(own *[2]label, parent []label, name, id string) []label {
	own[0] = label{"task", name}
	own[1] = label{"task.id", id}
	if len(parent) == 0 {
		return own[:]
	}
	out := make([]label, 0, len(parent)+len(own))
	p, o := 0, 0
	for p < len(parent) || o < len(own) {
		switch {
		case o == len(own) || p < len(parent) && parent[p].key < own[o].key:
			out = append(out, parent[p])
			p++
		case p == len(parent) || own[o].key < parent[p].key:
			out = append(out, own[o])
			o++
		default: // the same key: the task's label wins
			out = append(out, own[o])
			o++
			p++
		}
	}
	return out
}
