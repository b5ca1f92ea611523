package dlvclient

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"sync"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// inlineTable expands a program counter into the chain of functions inlined
// at it, from the executable's DWARF (DW_TAG_inlined_subroutine entries).
// Delve's location lookup names only the physical function at a pc, so a
// recorded stack (tracker creation and canceller stacks, which are raw pcs)
// would otherwise show an inlined callee's lines under its caller's name.
type inlineTable struct {
	data *dwarf.Data

	mu    sync.Mutex
	names map[dwarf.Offset]string // abstract origin -> function name
	files map[dwarf.Offset][]*dwarf.LineFile
}

// inlinedCall is one level of inlining at a pc: Function was inlined into
// the next outer level at CallFile:CallLine.
type inlinedCall struct {
	Function string
	CallFile string
	CallLine int
}

func openInlineTable(exe string) (*inlineTable, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("read DWARF of %s: %w", exe, err)
	}
	return &inlineTable{data: data, names: map[dwarf.Offset]string{}, files: map[dwarf.Offset][]*dwarf.LineFile{}}, nil
}

// expand returns the functions inlined at pc, innermost first, each with the
// call site in the function that encloses it. It returns nothing when pc is
// not in inlined code (or the DWARF does not say).
func (t *inlineTable) expand(pc uint64) []inlinedCall {
	r := t.data.Reader()
	cu, err := r.SeekPC(pc)
	if err != nil || cu == nil || !cu.Children {
		return nil
	}
	var chain []*dwarf.Entry // the inlined subroutines containing pc, outermost first
	inFunction := false
	for steps := 0; steps < 1_000_000; steps++ {
		e, err := r.Next()
		if err != nil || e == nil || e.Tag == 0 {
			break // end of the children of the innermost entry containing pc
		}
		match := false
		switch e.Tag {
		case dwarf.TagSubprogram:
			match = !inFunction && t.contains(e, pc)
			inFunction = inFunction || match
		case dwarf.TagInlinedSubroutine, dwarf.TagLexDwarfBlock:
			match = inFunction && t.contains(e, pc)
		}
		if match {
			if e.Tag == dwarf.TagInlinedSubroutine {
				chain = append(chain, e)
			}
			if !e.Children {
				break
			}
			continue // its first child comes next
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	out := make([]inlinedCall, 0, len(chain))
	for i := len(chain) - 1; i >= 0; i-- {
		e := chain[i]
		call := inlinedCall{Function: t.originName(e)}
		if line, ok := e.Val(dwarf.AttrCallLine).(int64); ok {
			call.CallLine = int(line)
		}
		if idx, ok := e.Val(dwarf.AttrCallFile).(int64); ok {
			call.CallFile = t.fileName(cu, int(idx))
		}
		out = append(out, call)
	}
	return out
}

func (t *inlineTable) contains(e *dwarf.Entry, pc uint64) bool {
	ranges, err := t.data.Ranges(e)
	if err != nil {
		return false
	}
	for _, r := range ranges {
		if r[0] <= pc && pc < r[1] {
			return true
		}
	}
	return false
}

// originName names an inlined subroutine by its abstract origin.
func (t *inlineTable) originName(e *dwarf.Entry) string {
	off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
	if !ok {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if name, ok := t.names[off]; ok {
		return name
	}
	r := t.data.Reader()
	r.Seek(off)
	name := ""
	if origin, err := r.Next(); err == nil && origin != nil {
		name, _ = origin.Val(dwarf.AttrName).(string)
	}
	t.names[off] = name
	return name
}

// fileName resolves a DW_AT_call_file index in the line table of cu.
func (t *inlineTable) fileName(cu *dwarf.Entry, idx int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	files, ok := t.files[cu.Offset]
	if !ok {
		if lr, err := t.data.LineReader(cu); err == nil && lr != nil {
			files = lr.Files()
		}
		t.files[cu.Offset] = files
	}
	if idx < 0 || idx >= len(files) || files[idx] == nil {
		return ""
	}
	return files[idx].Name
}

// expandFrame turns one symbolized frame at pc into its inlined frames,
// innermost first: the innermost keeps loc's file and line under the inlined
// function's name; each outer one is the call site in the enclosing function,
// the outermost being loc's (physical) function.
func expandFrame(t *inlineTable, pc uint64, loc model.Location) []model.Frame {
	if t == nil {
		return []model.Frame{{Location: loc}}
	}
	calls := t.expand(pc)
	if len(calls) == 0 {
		return []model.Frame{{Location: loc}}
	}
	frames := make([]model.Frame, 0, len(calls)+1)
	inner := loc
	for _, c := range calls {
		inner.Function = c.Function
		frames = append(frames, model.Frame{Location: inner})
		inner = model.Location{File: c.CallFile, Line: c.CallLine, PC: loc.PC}
	}
	inner.Function = loc.Function
	frames = append(frames, model.Frame{Location: inner})
	return frames
}
