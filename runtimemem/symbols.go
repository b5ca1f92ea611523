package runtimemem

import (
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Symbols are an executable's tables, for Resolve and as Collect's
// FrameTable: the Go runtime's line and function tables (.gopclntab), its
// frame sizes (pcsp), and the inlined calls of its DWARF. Safe for
// concurrent use.
type Symbols struct {
	pcln  *gosym.Table
	funcs *funcTable // nil off amd64
	dwarf *dwarf.Data

	sigtrampLo, sigtrampHi uint64

	// read serialises uses of dwarf: debug/dwarf fills caches while it reads.
	read  sync.Mutex
	names map[dwarf.Offset]string
	files map[dwarf.Offset][]*dwarf.LineFile

	mu     sync.Mutex
	frames map[frameKey][]Frame
	sizes  map[uint64]frameSize
}

type frameSize struct {
	size uint64
	ok   bool
}

// Frame is one frame of a stack, symbolized.
type Frame struct {
	// Function is the function's name (the inlined function's, for an
	// inlined frame).
	Function string
	// File and Line locate the frame.
	File string
	Line int
	// PC is the frame's pc: the pc it resumes at (a return address for a
	// caller's frame).
	PC uint64
	// Entry is the entry of the physical function holding PC.
	Entry uint64
	// Inlined reports a frame inlined into the next one.
	Inlined bool
}

// OpenSymbols reads the tables of the executable at path.
func OpenSymbols(path string) (*Symbols, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open executable %s: %w", path, err)
	}
	defer f.Close()
	s, err := SymbolsFromELF(f)
	if err != nil {
		return nil, fmt.Errorf("read the tables of %s: %w", path, err)
	}
	return s, nil
}

// SymbolsFromELF reads the tables of an opened executable.
func SymbolsFromELF(f *elf.File) (*Symbols, error) {
	sec := f.Section(".gopclntab")
	if sec == nil {
		return nil, errors.New("no .gopclntab section: not a Go program?")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("read .gopclntab: %w", err)
	}
	text := textStart(f)
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		return nil, fmt.Errorf("read .gopclntab: %w", err)
	}
	s := &Symbols{pcln: tab, names: map[dwarf.Offset]string{}, files: map[dwarf.Offset][]*dwarf.LineFile{},
		frames: map[frameKey][]Frame{}, sizes: map[uint64]frameSize{}}
	if f.Machine == elf.EM_X86_64 {
		s.funcs, _ = newFuncTable(data, text) // without it, frame pointers alone
	}
	if d, err := f.DWARF(); err == nil {
		s.dwarf = d
	}
	if fn := tab.LookupFunc("runtime.sigtramp"); fn != nil {
		s.sigtrampLo, s.sigtrampHi = fn.Entry, fn.End
	}
	return s, nil
}

// textStart is the address the function table's entries are relative to:
// runtime.text, which is where .text starts unless an external linker put C
// code first (cgo).
func textStart(f *elf.File) uint64 {
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name == "runtime.text" {
				return s.Value
			}
		}
	}
	if text := f.Section(".text"); text != nil {
		return text.Addr
	}
	return 0
}

// FrameSize implements FrameTable (amd64 executables only).
func (s *Symbols) FrameSize(pc uint64) (uint64, bool) {
	if s.funcs == nil {
		return 0, false
	}
	s.mu.Lock()
	fs, seen := s.sizes[pc]
	s.mu.Unlock()
	if !seen {
		d, _, ok := s.funcs.spDelta(pc)
		fs = frameSize{uint64(d), ok && d >= 0 && d < maxStackSize}
		s.mu.Lock()
		s.sizes[pc] = fs
		s.mu.Unlock()
	}
	return fs.size, fs.ok
}

// IsSignalTrampoline implements FrameTable.
func (s *Symbols) IsSignalTrampoline(pc uint64) bool {
	return pc >= s.sigtrampLo && pc < s.sigtrampHi
}

// Func names the physical function holding pc and gives its entry.
func (s *Symbols) Func(pc uint64) (name string, entry uint64, ok bool) {
	fn := s.pcln.PCToFunc(pc)
	if fn == nil {
		return "", 0, false
	}
	return fn.Name, fn.Entry, true
}

// Line is the file and line the runtime prints for pc (its innermost
// inlined position).
func (s *Symbols) Line(pc uint64) (file string, line int, ok bool) {
	file, line, fn := s.pcln.PCToLine(pc)
	return file, line, fn != nil && line > 0
}

// How a frame's pc is looked up.
type lookup uint8

const (
	// exact: pc is where the code stopped (frame 0, or the frame a signal
	// or an asynchronous preemption interrupted): looked up as is.
	exact lookup = iota
	// call: pc is a return address: looked up in the call (pc-1).
	call
	// callLineAtPC: a return address whose line is taken at pc itself
	// (frame 0 of a goroutine in a system call, Delve's convention).
	callLineAtPC
	// goStatementKey and startKey cache Resolve's go statement and start
	// frames.
	goStatementKey
	startKey
)

type frameKey struct {
	pc uint64
	lk lookup
}

// Frames symbolizes one pc into its frames, innermost (inlined) first; once
// per distinct pc and lookup.
func (s *Symbols) frames0(pc uint64, lk lookup) []Frame {
	k := frameKey{pc, lk}
	s.mu.Lock()
	fs, ok := s.frames[k]
	s.mu.Unlock()
	if ok {
		return fs
	}
	at, lineAt := pc, pc
	switch lk {
	case call:
		at, lineAt = pc-1, pc-1
	case callLineAtPC:
		at = pc - 1
	}
	if pc == 0 {
		at, lineAt = 0, 0
	}
	name, entry, ok := s.Func(at)
	if !ok {
		fs = []Frame{{PC: pc}}
	} else {
		file, line, _ := s.Line(lineAt)
		loc := Frame{Function: name, File: file, Line: line, PC: pc, Entry: entry}
		fs = s.expand(at, loc)
	}
	s.mu.Lock()
	s.frames[k] = fs
	s.mu.Unlock()
	return fs
}

// Frames symbolizes a pc: its frames, innermost (inlined) first. isReturn
// says pc is a return address (looked up in the call instruction).
func (s *Symbols) Frames(pc uint64, isReturn bool) []Frame {
	if isReturn {
		return s.frames0(pc, call)
	}
	return s.frames0(pc, exact)
}

// expand turns the physical frame loc at pc into its inlined frames.
func (s *Symbols) expand(pc uint64, loc Frame) []Frame {
	calls := s.inlinedAt(pc)
	if len(calls) == 0 {
		return []Frame{loc}
	}
	out := make([]Frame, 0, len(calls)+1)
	inner := loc
	for _, c := range calls {
		inner.Function, inner.Inlined = c.function, true
		out = append(out, inner)
		inner = Frame{File: c.callFile, Line: c.callLine, PC: loc.PC, Entry: loc.Entry}
	}
	inner.Function, inner.Inlined = loc.Function, false
	return append(out, inner)
}

// inlinedCall is one level of inlining at a pc: function was inlined into
// the next outer level at callFile:callLine.
type inlinedCall struct {
	function string
	callFile string
	callLine int
}

// inlinedAt returns the functions inlined at pc, innermost first, from the
// DWARF's inlined subroutine entries.
func (s *Symbols) inlinedAt(pc uint64) []inlinedCall {
	if s.dwarf == nil {
		return nil
	}
	s.read.Lock()
	defer s.read.Unlock()
	r := s.dwarf.Reader()
	cu, err := r.SeekPC(pc)
	if err != nil || cu == nil || !cu.Children {
		return nil
	}
	var chain []*dwarf.Entry
	inFunction := false
	for steps := 0; steps < 1_000_000; steps++ {
		e, err := r.Next()
		if err != nil || e == nil || e.Tag == 0 {
			break
		}
		match := false
		switch e.Tag {
		case dwarf.TagSubprogram:
			match = !inFunction && s.contains(e, pc)
			inFunction = inFunction || match
		case dwarf.TagInlinedSubroutine, dwarf.TagLexDwarfBlock:
			match = inFunction && s.contains(e, pc)
		}
		if match {
			if e.Tag == dwarf.TagInlinedSubroutine {
				chain = append(chain, e)
			}
			if !e.Children {
				break
			}
			continue
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	out := make([]inlinedCall, 0, len(chain))
	for i := len(chain) - 1; i >= 0; i-- {
		e := chain[i]
		c := inlinedCall{function: s.originName(e)}
		if line, ok := e.Val(dwarf.AttrCallLine).(int64); ok {
			c.callLine = int(line)
		}
		if idx, ok := e.Val(dwarf.AttrCallFile).(int64); ok {
			c.callFile = s.fileName(cu, int(idx))
		}
		out = append(out, c)
	}
	return out
}

func (s *Symbols) contains(e *dwarf.Entry, pc uint64) bool {
	ranges, err := s.dwarf.Ranges(e)
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

// originName names an inlined subroutine by its abstract origin (the
// caller holds s.read).
func (s *Symbols) originName(e *dwarf.Entry) string {
	off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
	if !ok {
		return ""
	}
	if name, ok := s.names[off]; ok {
		return name
	}
	r := s.dwarf.Reader()
	r.Seek(off)
	name := ""
	if origin, err := r.Next(); err == nil && origin != nil {
		name, _ = origin.Val(dwarf.AttrName).(string)
	}
	s.names[off] = name
	return name
}

// fileName resolves a DW_AT_call_file index in cu's line table (the caller
// holds s.read).
func (s *Symbols) fileName(cu *dwarf.Entry, idx int) string {
	files, ok := s.files[cu.Offset]
	if !ok {
		if lr, err := s.dwarf.LineReader(cu); err == nil && lr != nil {
			files = lr.Files()
		}
		s.files[cu.Offset] = files
	}
	if idx < 0 || idx >= len(files) || files[idx] == nil {
		return ""
	}
	return files[idx].Name
}

// funcTable is the Go runtime's function table (.gopclntab, Go 1.20+
// layout: runtime/symtab.go pcHeader, runtime2.go _func), for frame sizes.
type funcTable struct {
	tab     []byte
	minLC   uint64
	pctab   uint64
	ftab    uint64
	nfunc   int
	entries []uint64
}

const pclntabMagic120 = 0xfffffff1

func newFuncTable(data []byte, text uint64) (*funcTable, error) {
	if len(data) < 8+8*8 || binary.LittleEndian.Uint32(data) != pclntabMagic120 || data[7] != 8 {
		return nil, errors.New("unsupported pclntab (want the Go 1.20+ layout, 64-bit)")
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(data[8+8*i:]) }
	t := &funcTable{tab: data, minLC: uint64(data[6]), nfunc: int(word(0))}
	t.pctab, t.ftab = word(6), word(7)
	if t.nfunc <= 0 || t.minLC == 0 || t.ftab >= uint64(len(data)) || t.pctab >= uint64(len(data)) ||
		uint64(t.nfunc+1)*8 > uint64(len(data))-t.ftab {
		return nil, fmt.Errorf("corrupt pclntab header (nfunc %d)", t.nfunc)
	}
	t.entries = make([]uint64, t.nfunc+1)
	for i := range t.entries {
		t.entries[i] = text + uint64(binary.LittleEndian.Uint32(data[t.ftab+uint64(i)*8:]))
	}
	return t, nil
}

// spDelta returns how far the stack pointer at pc is below its value at
// the function's entry (the frame built so far, return address excluded).
func (t *funcTable) spDelta(pc uint64) (delta int64, entry uint64, ok bool) {
	i := sort.Search(t.nfunc, func(i int) bool { return t.entries[i+1] > pc })
	if i >= t.nfunc || pc < t.entries[i] {
		return 0, 0, false
	}
	entry = t.entries[i]
	funcoff := uint64(binary.LittleEndian.Uint32(t.tab[t.ftab+uint64(i)*8+4:]))
	fn := t.ftab + funcoff
	if fn+44 > uint64(len(t.tab)) {
		return 0, 0, false
	}
	pcsp := uint64(binary.LittleEndian.Uint32(t.tab[fn+16:]))
	if pcsp == 0 {
		return 0, entry, true // an assembly function without a frame table
	}
	return t.pcValue(t.pctab+pcsp, entry, pc)
}

// pcValue decodes the pc-value table at off for a function starting at
// entry and returns the value at pc.
func (t *funcTable) pcValue(off, entry, pc uint64) (int64, uint64, bool) {
	val, cur := int64(-1), entry
	for steps := 0; steps < 1<<20; steps++ {
		uv, n := binary.Uvarint(t.tab[min(off, uint64(len(t.tab))):])
		if n <= 0 || (uv == 0 && steps > 0) {
			return 0, 0, false
		}
		off += uint64(n)
		val += int64(uv>>1) ^ -int64(uv&1)
		pcd, n := binary.Uvarint(t.tab[min(off, uint64(len(t.tab))):])
		if n <= 0 {
			return 0, 0, false
		}
		off += uint64(n)
		next := cur + pcd*t.minLC
		if pc < next {
			return val, entry, true
		}
		cur = next
	}
	return 0, 0, false
}

// IsUserFunction is Delve's rule for the user frame of a goroutine
// (pkg/proc/variables.go, G.UserCurrent): a qualified name, not in the
// runtime (except its exported functions), internal/, runtime/internal or
// iter.
func IsUserFunction(fn string) bool {
	if !strings.Contains(fn, ".") || strings.HasPrefix(fn, "internal/") ||
		strings.HasPrefix(fn, "runtime/internal") || strings.HasPrefix(fn, "iter.") {
		return false
	}
	if name, ok := strings.CutPrefix(fn, "runtime."); ok {
		return name != "" && name[0] >= 'A' && name[0] <= 'Z'
	}
	return true
}
