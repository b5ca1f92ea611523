package dlvclient

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/dlv-tasks/dlv-tasks/internal/fsx"
)

// checkCoreFile rejects files that are not ELF core dumps, or whose segments
// point past the end of the file (a truncated core), before Delve sees them.
func checkCoreFile(path string) error {
	if err := checkRegular(path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return fmt.Errorf("not an ELF core dump: %w", err)
	}
	defer ef.Close()
	if ef.Type != elf.ET_CORE {
		return fmt.Errorf("not a core dump: ELF type is %s", ef.Type)
	}
	size := uint64(fi.Size())
	for _, p := range ef.Progs {
		if p.Filesz > 0 && p.Off+p.Filesz > size {
			return fmt.Errorf("truncated core dump: a segment ends at byte %d but the file has %d bytes", p.Off+p.Filesz, size)
		}
	}
	return nil
}

// checkDebugInfo fails when exe has no DWARF debug info: Delve would load it
// with a warning and then fail every goroutine read with obscure errors.
func checkDebugInfo(exe string) error {
	ef, err := openRegularELF(exe)
	if err != nil {
		return err
	}
	defer ef.Close()
	if ef.Section(".debug_info") == nil && ef.Section(".zdebug_info") == nil {
		return fmt.Errorf("%s has no DWARF debug info (built with -ldflags=-w, or stripped): dlv-tasks needs it to read goroutines; rebuild without -w/-s", exe)
	}
	return nil
}

// goBuildIDNote reads the Go build id note of an executable: its address and
// its bytes.
func goBuildIDNote(exe string) (uint64, []byte, error) {
	ef, err := elf.Open(exe)
	if err != nil {
		return 0, nil, err
	}
	defer ef.Close()
	sec := ef.Section(".note.go.buildid")
	if sec == nil {
		return 0, nil, errors.New("no .note.go.buildid section")
	}
	data, err := sec.Data()
	if err != nil {
		return 0, nil, err
	}
	return sec.Addr, data, nil
}

// checkCoreMatchesExecutable compares the Go build id note of the executable
// with the bytes at the same address in the core. The kernel dumps the first
// page of every mapped ELF file, where Go's linker puts that note, so a core
// of another binary shows other bytes there. When the core does not hold that
// page, Delve reads it from the executable and the check passes vacuously;
// the runtime sanity checks of the goroutine reader still apply.
func (s *Session) checkCoreMatchesExecutable() error {
	addr, want, err := goBuildIDNote(s.target.Executable)
	if err != nil {
		return nil // not a Go binary Delve could load; Delve has said so already
	}
	got, _, err := s.client.ExamineMemory(addr, len(want))
	if err != nil {
		return nil
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("the core was not produced by %s (Go build ids differ)", s.target.Executable)
	}
	return nil
}

// liveMachines maps the GOARCH dlv-tasks runs as to the ELF machine of the
// programs its embedded Delve can run and trace: only its own.
var liveMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "riscv64": elf.EM_RISCV, "loong64": elf.EM_LOONGARCH,
}

// coreMachines are the machines whose Linux cores Delve reads.
var coreMachines = map[elf.Machine]string{
	elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_RISCV: "riscv64", elf.EM_LOONGARCH: "loong64",
}

// elfKind names an ELF file's class and machine, as in "a 32-bit EM_386".
func elfKind(ef *elf.File) string {
	bits := "64-bit"
	if ef.Class == elf.ELFCLASS32 {
		bits = "32-bit"
	}
	return bits + " " + ef.Machine.String()
}

// checkLiveMachine refuses an executable built for another architecture
// before Delve runs or attaches to it: a 386 build under exec faulted tens
// of thousands of times while dlv-tasks hung.
func checkLiveMachine(exe string) error {
	ef, err := openRegularELF(exe)
	if err != nil {
		return err
	}
	defer ef.Close()
	want, ok := liveMachines[runtime.GOARCH]
	if !ok || ef.Machine != want || ef.Class != elf.ELFCLASS64 {
		return fmt.Errorf("%s is a %s program: this dlv-tasks debugs %s/%s programs only", exe, elfKind(ef), runtime.GOOS, runtime.GOARCH)
	}
	return nil
}

// openRegularELF opens path as an ELF file, refusing what is not a regular
// file first (opening a FIFO blocks until a writer comes).
func openRegularELF(path string) (*elf.File, error) {
	if err := checkRegular(path); err != nil {
		return nil, err
	}
	ef, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not an ELF executable: %w", path, err)
	}
	return ef, nil
}

// checkRegular refuses a path that is not a regular file.
func checkRegular(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s)", path, fsx.FileKind(fi.Mode()))
	}
	return nil
}

// checkCoreBelongs compares the core with the executable before Delve opens
// them: machines must match, and the core's memory at the executable's Go
// build id note (in the first page of the executable's mapping, which the
// kernel always dumps) must hold the same bytes. A process that did not map
// the executable there at all — a C program's core opened with a Go
// executable — has no segment at that address; Delve then failed later
// with "reading spliced memory: EOF". Position-independent executables load
// anywhere and are not compared.
func checkCoreBelongs(exe, corefile string) error {
	core, err := elf.Open(corefile)
	if err != nil {
		return fmt.Errorf("not an ELF core dump: %w", err)
	}
	defer core.Close()
	if _, ok := coreMachines[core.Machine]; !ok || core.Class != elf.ELFCLASS64 {
		return fmt.Errorf("the core is of a %s program: dlv-tasks reads cores of 64-bit amd64, arm64, riscv64 and loong64 programs", elfKind(core))
	}
	ef, err := elf.Open(exe)
	if err != nil {
		return fmt.Errorf("%s is not an ELF executable: %w", exe, err)
	}
	defer ef.Close()
	if ef.Machine != core.Machine || ef.Class != core.Class {
		return fmt.Errorf("the core does not belong to %s: the core is of a %s program, the executable is %s", exe, elfKind(core), elfKind(ef))
	}
	if ef.Type != elf.ET_EXEC {
		return nil
	}
	sec := ef.Section(".note.go.buildid")
	if sec == nil {
		return nil
	}
	want, err := sec.Data()
	if err != nil || len(want) == 0 {
		return nil
	}
	addr, end := sec.Addr, sec.Addr+uint64(len(want))
	for _, p := range core.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || end > p.Vaddr+p.Memsz {
			continue
		}
		if end > p.Vaddr+p.Filesz {
			return nil // mapped but not dumped: nothing to compare
		}
		got := make([]byte, len(want))
		if _, err := p.ReadAt(got, int64(addr-p.Vaddr)); err != nil {
			return nil
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("the core was not produced by %s (Go build ids differ)", exe)
		}
		return nil
	}
	return fmt.Errorf("the core does not belong to %s: the crashed process had nothing mapped at the executable's address %#x (a core of another program?)", exe, addr)
}
