package dlvclient

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
)

// checkCoreFile rejects files that are not ELF core dumps, or whose segments
// point past the end of the file (a truncated core), before Delve sees them.
func checkCoreFile(path string) error {
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
	ef, err := elf.Open(exe)
	if err != nil {
		return fmt.Errorf("%s is not an ELF executable: %w", exe, err)
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
