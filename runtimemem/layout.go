// Package runtimemem reads the Go runtime's own structures out of a target's
// memory: every goroutine (runtime.allgs, runtime.g), its label set, and the
// program counters of its stack, unwound by frame pointers. It needs no
// debugger: the layout comes from the executable's DWARF, memory from any
// Memory, the registers of running goroutines from a list of Threads.
//
// Reading is split in two phases so that a live target need only be stopped
// for the first:
//
//   - Collect does every memory read (allgs, the g structs in bulk, label
//     sets, stack pcs) and decodes nothing it does not need to read;
//   - Resolve symbolizes the pcs afterwards, once per distinct pc, with
//     inlined frames, from the executable's tables (Symbols).
//
// Target memory is untrusted: every pointer, length and count read from it is
// bounded and validated; what does not pass is counted with a reason
// (Collection.Corrupt) and never panics, hangs or allocates without bound.
package runtimemem

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
)

// Field is where one field of a runtime structure is: its byte offset in the
// structure and its size. A zero Size means the runtime has no such field.
type Field struct {
	Offset uint64
	Size   uint64
}

// Known reports whether the structure has the field.
func (f Field) Known() bool { return f.Size != 0 }

// GLayout is the layout of runtime.g.
type GLayout struct {
	// Size is the size of a runtime.g.
	Size uint64
	// StackLo and StackHi are g.stack.lo and g.stack.hi.
	StackLo, StackHi Field
	// M is g.m, the thread structure running the goroutine (nil when none).
	M Field
	// SchedPC, SchedSP and SchedBP are g.sched.{pc,sp,bp}: the registers
	// saved when the goroutine last stopped running.
	SchedPC, SchedSP, SchedBP Field
	// SyscallPC, SyscallSP and SyscallBP are what entersyscall saved.
	SyscallPC, SyscallSP, SyscallBP Field
	// Status is g.atomicstatus (its value).
	Status Field
	// Goid, ParentGoid, GoPC, StartPC, WaitSince, WaitReason and Labels are
	// the fields of the same names (Labels is the label set pointer).
	Goid, ParentGoid, GoPC, StartPC, WaitSince, WaitReason, Labels Field
}

// span is the byte range [lo, hi) of a g holding every known field.
func (l *GLayout) span() (lo, hi uint64) {
	lo, hi = ^uint64(0), 0
	for _, f := range l.fields() {
		if f.Known() {
			lo, hi = min(lo, f.Offset), max(hi, f.Offset+f.Size)
		}
	}
	return lo, hi
}

func (l *GLayout) fields() []Field {
	return []Field{l.StackLo, l.StackHi, l.M, l.SchedPC, l.SchedSP, l.SchedBP, l.SyscallPC, l.SyscallSP, l.SyscallBP,
		l.Status, l.Goid, l.ParentGoid, l.GoPC, l.StartPC, l.WaitSince, l.WaitReason, l.Labels}
}

// MLayout is the layout of runtime.m, for finding the thread a goroutine
// runs on.
type MLayout struct {
	// ProcID is m.procid, the OS thread id.
	ProcID Field
	// CurG is m.curg, the goroutine the thread runs (nil when none).
	CurG Field
}

// LabelLayout is where a label set (what g.labels points at) keeps its
// labels: a []Label slice header at ListOffset, each Label ElemSize bytes
// with two string headers at KeyOffset and ValueOffset.
type LabelLayout struct {
	// Known is false when the executable has no label set type: labels
	// are then not read.
	Known                  bool
	ListOffset, ElemSize   uint64
	KeyOffset, ValueOffset uint64
}

// Layout is what Collect needs to know of a target's runtime, learned once
// from its executable.
type Layout struct {
	G      GLayout
	M      MLayout
	Labels LabelLayout
	// AllGs is the address of runtime.allgs (a []*g slice header); AllGLen
	// that of runtime.allglen (0 when unknown).
	AllGs, AllGLen uint64
	// WaitReasonStrings is the address of runtime.waitReasonStrings (an
	// array of WaitReasonCount string headers), 0 when unknown.
	WaitReasonStrings uint64
	WaitReasonCount   int
}

// ErrNoDWARF is returned by LoadLayout for an executable without debug info.
var ErrNoDWARF = errors.New("the executable has no DWARF debug info (built with -ldflags=-w, or stripped)")

// LoadLayout learns the runtime's layout from the executable at path.
func LoadLayout(path string) (*Layout, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open executable %s: %w", path, err)
	}
	defer f.Close()
	lay, err := LayoutFromELF(f)
	if err != nil {
		return nil, fmt.Errorf("learn the runtime layout of %s: %w", path, err)
	}
	return lay, nil
}

// labelSetTypes are the label set types of the runtimes read: Go 1.26 and
// later, then Go 1.24–1.25 (runtime/pprof's labelMap embedding LabelSet).
var labelSetTypes = []string{"internal/runtime/pprof/label.Set", "runtime/pprof.labelMap"}

// LayoutFromELF learns the runtime's layout from an opened executable: the
// structures from its DWARF types, the variables' addresses from its symbol
// table.
func LayoutFromELF(f *elf.File) (*Layout, error) {
	if f.Section(".debug_info") == nil && f.Section(".zdebug_info") == nil {
		return nil, ErrNoDWARF
	}
	data, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("read DWARF: %w", err)
	}
	want := map[string]bool{"runtime.g": true, "runtime.m": true}
	for _, n := range labelSetTypes {
		want[n] = true
	}
	types := map[string]*dwarf.StructType{}
	r := data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("read DWARF: %w", err)
		}
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			continue // its children are what we look at
		case dwarf.TagStructType:
			name, _ := e.Val(dwarf.AttrName).(string)
			if want[name] && types[name] == nil {
				if t, err := data.Type(e.Offset); err == nil {
					if st, ok := t.(*dwarf.StructType); ok {
						types[name] = st
					}
				}
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	gt, mt := types["runtime.g"], types["runtime.m"]
	if gt == nil {
		return nil, errors.New("no runtime.g type in the DWARF: not a Go program?")
	}
	lay := &Layout{}
	g := &lay.G
	g.Size = uint64(gt.ByteSize)
	g.StackLo, g.StackHi = fieldPath(gt, "stack", "lo"), fieldPath(gt, "stack", "hi")
	g.M = fieldPath(gt, "m")
	g.SchedPC, g.SchedSP, g.SchedBP = fieldPath(gt, "sched", "pc"), fieldPath(gt, "sched", "sp"), fieldPath(gt, "sched", "bp")
	g.SyscallPC, g.SyscallSP, g.SyscallBP = fieldPath(gt, "syscallpc"), fieldPath(gt, "syscallsp"), fieldPath(gt, "syscallbp")
	g.Status = fieldPath(gt, "atomicstatus", "value")
	if !g.Status.Known() {
		g.Status = fieldPath(gt, "atomicstatus") // before atomic.Uint32
	}
	g.Goid, g.ParentGoid = fieldPath(gt, "goid"), fieldPath(gt, "parentGoid")
	g.GoPC, g.StartPC = fieldPath(gt, "gopc"), fieldPath(gt, "startpc")
	g.WaitSince, g.WaitReason = fieldPath(gt, "waitsince"), fieldPath(gt, "waitreason")
	g.Labels = fieldPath(gt, "labels")
	for name, f := range map[string]Field{"goid": g.Goid, "atomicstatus": g.Status, "stack": g.StackHi, "sched": g.SchedSP} {
		if !f.Known() {
			return nil, fmt.Errorf("runtime.g has no field %s: unsupported Go runtime", name)
		}
	}
	if g.Status.Size > 8 || g.Goid.Size > 8 || g.WaitReason.Size > 8 {
		return nil, errors.New("runtime.g fields of unexpected sizes: unsupported Go runtime")
	}
	if mt != nil {
		lay.M.ProcID, lay.M.CurG = fieldPath(mt, "procid"), fieldPath(mt, "curg")
	}
	for _, n := range labelSetTypes {
		if st := types[n]; st != nil {
			if ll, ok := labelLayoutOf(st); ok {
				lay.Labels = ll
				break
			}
		}
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("read the symbol table: %w", err)
	}
	for _, s := range syms {
		switch s.Name {
		case "runtime.allgs":
			lay.AllGs = s.Value
		case "runtime.allglen":
			lay.AllGLen = s.Value
		case "runtime.waitReasonStrings":
			lay.WaitReasonStrings = s.Value
			lay.WaitReasonCount = int(s.Size / 16)
		}
	}
	if lay.AllGs == 0 {
		return nil, errors.New("no runtime.allgs symbol: unsupported Go runtime")
	}
	return lay, nil
}

// fieldPath finds a (nested) field of st, or the zero Field.
func fieldPath(st *dwarf.StructType, path ...string) Field {
	var off uint64
	t := dwarf.Type(st)
	for _, name := range path {
		s, ok := underlying(t).(*dwarf.StructType)
		if !ok {
			return Field{}
		}
		var found *dwarf.StructField
		for _, f := range s.Field {
			if f.Name == name {
				found = f
				break
			}
		}
		if found == nil {
			return Field{}
		}
		off += uint64(found.ByteOffset)
		t = found.Type
	}
	size := t.Size()
	if size <= 0 {
		return Field{}
	}
	return Field{Offset: off, Size: uint64(size)}
}

// underlying strips typedefs.
func underlying(t dwarf.Type) dwarf.Type {
	for i := 0; i < 16; i++ {
		td, ok := t.(*dwarf.TypedefType)
		if !ok {
			return t
		}
		t = td.Type
	}
	return t
}

// labelLayoutOf finds, depth first, the first slice of two-string structs in
// a label set type.
func labelLayoutOf(st *dwarf.StructType) (LabelLayout, bool) {
	var walk func(s *dwarf.StructType, base uint64, depth int) (LabelLayout, bool)
	walk = func(s *dwarf.StructType, base uint64, depth int) (LabelLayout, bool) {
		for _, f := range s.Field {
			ft := underlying(f.Type)
			if sl, ok := ft.(*dwarf.StructType); ok && len(sl.Field) == 3 && sl.Field[0].Name == "array" {
				// A slice: Go's DWARF describes it as {array, len, cap}.
				pt, ok := underlying(sl.Field[0].Type).(*dwarf.PtrType)
				if !ok {
					continue
				}
				elem, ok := underlying(pt.Type).(*dwarf.StructType)
				if !ok || len(elem.Field) != 2 || !isString(elem.Field[0].Type) || !isString(elem.Field[1].Type) {
					continue
				}
				return LabelLayout{
					Known:       true,
					ListOffset:  base + uint64(f.ByteOffset),
					ElemSize:    uint64(elem.ByteSize),
					KeyOffset:   uint64(elem.Field[0].ByteOffset),
					ValueOffset: uint64(elem.Field[1].ByteOffset),
				}, true
			} else if ok && depth > 0 {
				if ll, ok := walk(sl, base+uint64(f.ByteOffset), depth-1); ok {
					return ll, true
				}
			}
		}
		return LabelLayout{}, false
	}
	return walk(st, 0, 3)
}

// isString reports a Go string header type.
func isString(t dwarf.Type) bool {
	st, ok := underlying(t).(*dwarf.StructType)
	return ok && st.StructName == "string" && len(st.Field) == 2 && st.ByteSize == 16
}
