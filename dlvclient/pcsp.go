package dlvclient

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// funcTable is the Go runtime's function table (.gopclntab, Go 1.20+
// layout: runtime/symtab.go pcHeader, runtime2.go _func): what the runtime
// itself unwinds stacks with. dlv-tasks reads the frame sizes (pcsp) from it
// to unwind a goroutine interrupted by a signal from the signal's register
// context, as the runtime's crash traceback does; Delve's unwinder takes the
// interrupted pc for a return address there and loses frames.
type funcTable struct {
	tab       []byte
	textStart uint64
	minLC     uint64
	pctab     uint64 // offset of the pc-value tables
	ftab      uint64 // offset of the function table (pclnOffset)
	nfunc     int
	entries   []uint64 // function entry pcs, ascending
}

// go1.20+ pclntab magic.
const pclntabMagic120 = 0xfffffff1

// openFuncTable reads the function table of an executable; errors for
// layouts it does not know.
func openFuncTable(f *elf.File) (*funcTable, error) {
	sec, text := f.Section(".gopclntab"), f.Section(".text")
	if sec == nil || text == nil {
		return nil, errors.New("no .gopclntab or .text section")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	if len(data) < 8+8*8 || binary.LittleEndian.Uint32(data) != pclntabMagic120 || data[7] != 8 {
		return nil, errors.New("unsupported pclntab (want the Go 1.20+ layout, 64-bit)")
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(data[8+8*i:]) }
	t := &funcTable{tab: data, textStart: textStart(f), minLC: uint64(data[6]), nfunc: int(word(0))}
	t.pctab, t.ftab = word(6), word(7)
	if t.nfunc <= 0 || t.minLC == 0 || t.ftab >= uint64(len(data)) || t.pctab >= uint64(len(data)) ||
		uint64(t.nfunc+1)*8 > uint64(len(data))-t.ftab {
		return nil, fmt.Errorf("corrupt pclntab header (nfunc %d)", t.nfunc)
	}
	t.entries = make([]uint64, t.nfunc+1)
	for i := range t.entries {
		t.entries[i] = t.textStart + uint64(binary.LittleEndian.Uint32(data[t.ftab+uint64(i)*8:]))
	}
	return t, nil
}

// spDelta returns how far the stack pointer at pc is below its value at
// the function's entry (the frame built so far, return address excluded),
// and the function's entry.
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

// pcValue decodes a pc-value table at off for a function starting at entry
// and returns the value at pc.
func (t *funcTable) pcValue(off, entry, pc uint64) (int64, uint64, bool) {
	val, cur := int64(-1), entry
	for steps := 0; steps < 1<<20; steps++ {
		uv, n := binary.Uvarint(t.tab[min(off, uint64(len(t.tab))):])
		if n <= 0 || (uv == 0 && steps > 0) {
			return 0, 0, false
		}
		off += uint64(n)
		val += int64(uv>>1) ^ -int64(uv&1) // zigzag
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
