package dlvclient

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/go-delve/delve/pkg/elfwriter"
	"github.com/go-delve/delve/pkg/version"

	"github.com/dlv-tasks/dlv-tasks/internal/freeze"
)

// writeSnapshotCore writes a low-pause snapshot's copy as a Delve core dump
// in Delve's platform-independent format (what Delve's own dump command
// writes when the backend has no native notes, read by Delve's core
// reader): a header note (platform, Delve version, pid, entry point), one
// note per thread (id, pc, sp, bp, TLS base, then every register by name)
// and the copied memory as PT_LOAD segments. It returns the file's path, in
// the temporary directory.
func writeSnapshotCore(pid int, entry uint64, threads []freeze.Thread, segs []segment) (string, error) {
	f, err := os.CreateTemp("", fmt.Sprintf("dlv-tasks-snapshot-%d-*.core", pid))
	if err != nil {
		return "", fmt.Errorf("write the copy: %w", err)
	}
	path := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("write the copy to %s: %w", path, err)
	}
	sf := &sparseFile{File: f}
	w := elfwriter.New(sf, &elf.FileHeader{
		Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Version: elf.EV_CURRENT,
		OSABI: elf.ELFOSABI_LINUX, Type: elf.ET_CORE, Machine: elf.EM_X86_64,
	})
	notes := []elfwriter.Note{{
		Type: elfwriter.DelveHeaderNoteType,
		Name: "Delve Header",
		Data: fmt.Appendf(nil, "linux/amd64\n%s\n%s%d\n%s%#x\n", version.DelveVersion.String(),
			elfwriter.DelveHeaderTargetPidPrefix, pid, elfwriter.DelveHeaderEntryPointPrefix, entry),
	}}
	for _, th := range threads {
		notes = append(notes, elfwriter.Note{Type: elfwriter.DelveThreadNodeType, Data: threadNote(th)})
	}
	for _, s := range segs {
		w.Progs = append(w.Progs, &elf.ProgHeader{
			Type: elf.PT_LOAD, Flags: elf.PF_R | elf.PF_W,
			Off: uint64(w.Here()), Vaddr: s.addr, Filesz: s.size, Memsz: s.size,
		})
		at := s.addr
		for _, part := range s.parts {
			if part.addr > at {
				sf.skip(int64(part.addr - at)) // a stack hole: left sparse, reads as zeros
			}
			w.Write(part.data)
			at = part.addr + uint64(len(part.data))
		}
	}
	if p := w.WriteNotes(notes); p != nil {
		w.Progs = append(w.Progs, p)
	}
	w.WriteProgramHeaders()
	if w.Err != nil {
		return fail(w.Err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write the copy to %s: %w", path, err)
	}
	return path, nil
}

// threadNote encodes a thread as Delve's platform-independent thread note
// (pkg/proc/dump.go, dumpThreadNotes): thread id, pc, sp, bp, TLS base,
// has-g-address and g address, then the registers by Delve's amd64 names.
func threadNote(th freeze.Thread) []byte {
	r := th.Regs
	buf := new(bytes.Buffer)
	le := binary.LittleEndian
	_ = binary.Write(buf, le, uint64(th.TID))
	for _, v := range []uint64{r.PC, r.SP, r.BP, r.FSBase} {
		_ = binary.Write(buf, le, v)
	}
	_ = binary.Write(buf, le, false) // the g is found through TLS, as Delve does on a live amd64 thread
	_ = binary.Write(buf, le, uint64(0))
	regs := []struct {
		name string
		v    uint64
	}{
		{"Rip", r.PC}, {"Rsp", r.SP}, {"Rax", r.AX}, {"Rbx", r.BX}, {"Rcx", r.CX}, {"Rdx", r.DX},
		{"Rdi", r.DI}, {"Rsi", r.SI}, {"Rbp", r.BP}, {"R8", r.R8}, {"R9", r.R9}, {"R10", r.R10},
		{"R11", r.R11}, {"R12", r.R12}, {"R13", r.R13}, {"R14", r.R14}, {"R15", r.R15},
		{"Orig_rax", r.OrigAX}, {"Cs", r.CS}, {"Eflags", r.Flags}, {"Ss", r.SS},
		{"Fs_base", r.FSBase}, {"Gs_base", r.GSBase}, {"Ds", r.DS}, {"Es", r.ES}, {"Fs", r.FS}, {"Gs", r.GS},
	}
	_ = binary.Write(buf, le, uint32(len(regs)))
	for _, reg := range regs {
		_ = binary.Write(buf, le, uint16(len(reg.name)))
		buf.WriteString(reg.name)
		_ = binary.Write(buf, le, uint16(8))
		_ = binary.Write(buf, le, reg.v)
	}
	return buf.Bytes()
}

// sparseFile is the dump file: skip leaves a hole (the file system stores
// no zeros for it) that the next write lands after.
type sparseFile struct {
	*os.File
}

func (f *sparseFile) skip(n int64) {
	_, _ = f.Seek(n, io.SeekCurrent)
}
