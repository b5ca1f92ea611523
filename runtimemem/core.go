package runtimemem

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Core is a Linux ELF core dump as a Memory (its dumped segments, and the
// executable's for what the kernel did not dump), with the registers of its
// threads. linux/amd64 cores only.
type Core struct {
	files []*os.File
	segs  []segment // by address
	// Threads are the dumped threads and their registers.
	Threads []Thread
}

type segment struct {
	lo, hi uint64
	r      io.ReaderAt
	off    uint64 // file offset of lo
}

// OpenCore opens the core dump at corePath of the executable at exePath.
func OpenCore(corePath, exePath string) (*Core, error) {
	c := &Core{}
	cf, err := os.Open(corePath)
	if err != nil {
		return nil, fmt.Errorf("open core: %w", err)
	}
	c.files = append(c.files, cf)
	core, err := elf.NewFile(cf)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("open core %s: %w", corePath, err)
	}
	if core.Type != elf.ET_CORE || core.Machine != elf.EM_X86_64 {
		c.Close()
		return nil, fmt.Errorf("open core %s: not a linux/amd64 core dump", corePath)
	}
	var dumped []segment
	for _, p := range core.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			if p.Filesz > 0 {
				dumped = append(dumped, segment{p.Vaddr, p.Vaddr + p.Filesz, cf, p.Off})
			}
		case elf.PT_NOTE:
			data := make([]byte, p.Filesz)
			if _, err := p.ReadAt(data, 0); err == nil {
				c.Threads = append(c.Threads, prstatusThreads(data)...)
			}
		}
	}
	var fromExe []segment
	if exePath != "" {
		ef, err := os.Open(exePath)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("open executable: %w", err)
		}
		c.files = append(c.files, ef)
		exe, err := elf.NewFile(ef)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("open executable %s: %w", exePath, err)
		}
		for _, p := range exe.Progs {
			if p.Type == elf.PT_LOAD && p.Filesz > 0 {
				fromExe = append(fromExe, segment{p.Vaddr, p.Vaddr + p.Filesz, ef, p.Off})
			}
		}
	}
	// The dumped segments first: where both hold an address, the core's
	// bytes are the process's.
	c.segs = append(dumped, fromExe...)
	return c, nil
}

// prstatusThreads reads the NT_PRSTATUS notes: each thread's id and
// registers (linux/amd64 elf_prstatus: pr_pid at 32, pr_reg at 112, a
// user_regs_struct with rbp at 4, rip at 16, rsp at 19 words).
func prstatusThreads(notes []byte) []Thread {
	var out []Thread
	for len(notes) >= 12 {
		namesz, descsz, typ := binary.LittleEndian.Uint32(notes), binary.LittleEndian.Uint32(notes[4:]), binary.LittleEndian.Uint32(notes[8:])
		nameEnd := 12 + (uint64(namesz)+3)&^3
		descEnd := nameEnd + (uint64(descsz)+3)&^3
		if descEnd > uint64(len(notes)) {
			break
		}
		desc := notes[nameEnd : nameEnd+uint64(descsz)]
		if elf.NType(typ) == elf.NT_PRSTATUS && len(desc) >= 112+27*8 {
			regs := desc[112:]
			w := func(i int) uint64 { return binary.LittleEndian.Uint64(regs[i*8:]) }
			out = append(out, Thread{ID: int(binary.LittleEndian.Uint32(desc[32:])), BP: w(4), PC: w(16), SP: w(19)})
		}
		notes = notes[descEnd:]
	}
	return out
}

// errUnmapped is returned for memory the core does not hold.
var errUnmapped = errors.New("not in the core")

// ReadMemory implements Memory.
func (c *Core) ReadMemory(p []byte, addr uint64) error {
	for len(p) > 0 {
		// The core's own segments come first (see OpenCore): the first
		// that holds addr wins.
		var seg *segment
		for i := range c.segs {
			if c.segs[i].lo <= addr && addr < c.segs[i].hi {
				seg = &c.segs[i]
				break
			}
		}
		if seg == nil {
			return fmt.Errorf("%#x: %w", addr, errUnmapped)
		}
		n := min(uint64(len(p)), seg.hi-addr)
		if _, err := seg.r.ReadAt(p[:n], int64(seg.off+addr-seg.lo)); err != nil {
			return fmt.Errorf("%#x: %w", addr, err)
		}
		p, addr = p[n:], addr+n
	}
	return nil
}

// Close closes the files.
func (c *Core) Close() error {
	var first error
	for _, f := range c.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
