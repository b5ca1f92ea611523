package trackermem

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
)

// ErrNoTracker is returned by LayoutFromELF for an executable that does not
// link the tracker.
var ErrNoTracker = errors.New("the executable does not use the tracker")

// maxTypeEntries bounds the DWARF entries LayoutFromELF walks: a Go
// executable has a few hundred thousand; a corrupt one must not make the
// walk endless.
const maxTypeEntries = 50_000_000

// LayoutFromELF learns the tracker's layout from an executable's DWARF (the
// struct types of package pkg, normally model.TrackerPackage) and finds the
// address of its root variable in the symbol table, without a debugger: the
// same layout a reader asking Delve gets, for readers that have only the
// executable. It returns ErrNoTracker when the executable has no tracker
// root.
func LayoutFromELF(f *elf.File, pkg string) (Layout, uint64, error) {
	rootAddr, err := symbolAddress(f, pkg+".root")
	if err != nil {
		return Layout{}, 0, err
	}
	d, err := f.DWARF()
	if err != nil {
		return Layout{}, 0, fmt.Errorf("tracker layout: %w", err)
	}
	want := map[string]*Struct{}
	var l Layout
	for name, dst := range map[string]*Struct{
		"rootT": &l.Root, "liveArena": &l.LiveArena, "presArena": &l.PresArena, "endRing": &l.Ring,
		"taskRecord": &l.TaskRecord, "endRecord": &l.EndRecord, "cancelRecord": &l.CancelRecord,
	} {
		want[pkg+"."+name] = dst
	}
	found := 0
	r := d.Reader()
	for n := 0; found < len(want); n++ {
		if n > maxTypeEntries {
			return Layout{}, 0, errors.New("tracker layout: DWARF has implausibly many entries")
		}
		e, err := r.Next()
		if err != nil {
			return Layout{}, 0, fmt.Errorf("tracker layout: %w", err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			if e.Tag != dwarf.TagCompileUnit {
				r.SkipChildren()
			}
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		dst, ok := want[name]
		if !ok || dst.Fields != nil {
			r.SkipChildren()
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			return Layout{}, 0, fmt.Errorf("tracker layout: type %s: %w", name, err)
		}
		st, ok := t.(*dwarf.StructType)
		if !ok || st.ByteSize <= 0 {
			return Layout{}, 0, fmt.Errorf("tracker layout: %s is not a sized struct", name)
		}
		*dst = structOf(st)
		found++
		r.SkipChildren()
	}
	if found < len(want) {
		return Layout{}, 0, fmt.Errorf("tracker layout: %d of the tracker's %d types are missing from DWARF", len(want)-found, len(want))
	}
	if err := l.Check(); err != nil {
		return Layout{}, 0, err
	}
	return l, rootAddr, nil
}

// structOf turns a DWARF struct into field offsets and sizes.
func structOf(st *dwarf.StructType) Struct {
	s := Struct{Size: uint64(st.ByteSize), Fields: map[string]Field{}}
	for _, f := range st.Field {
		if f.ByteOffset < 0 || f.Type == nil || f.Type.Size() < 0 {
			continue // left out: Check refuses a layout that needs it
		}
		s.Fields[f.Name] = Field{Off: uint64(f.ByteOffset), Size: uint64(f.Type.Size())}
	}
	return s
}

// symbolAddress finds a data symbol's address in f's symbol table.
func symbolAddress(f *elf.File, name string) (uint64, error) {
	syms, err := f.Symbols()
	if err != nil {
		return 0, fmt.Errorf("tracker root: %w", err)
	}
	for _, s := range syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_OBJECT {
			return s.Value, nil
		}
	}
	return 0, ErrNoTracker
}
