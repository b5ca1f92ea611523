package testutil

import (
	"debug/elf"
	"fmt"
	"os"
)

// DelveInternalBreakpointFunctions are the runtime functions where Delve
// puts its internal breakpoints (unrecovered-panic, runtime-fatal-throw).
var DelveInternalBreakpointFunctions = []string{"runtime.fatalpanic", "runtime.throw", "runtime.fatal", "runtime.fatalsignal"}

// CodeChange is a byte of a function's code that differs between a running
// process and its executable.
type CodeChange struct {
	Function string
	Offset   uint64 // from the function's entry
	File     byte   // the executable's byte
	Memory   byte   // the process's byte (0xCC: an int3 breakpoint)
}

func (c CodeChange) String() string {
	return fmt.Sprintf("%s+%#x: %#02x in memory, %#02x in the executable", c.Function, c.Offset, c.Memory, c.File)
}

// ChangedCode compares the code of the named functions in process pid's
// memory (/proc/PID/mem) with the executable exe, and returns every byte
// that differs: a debugger's breakpoint shows as 0xCC.
func ChangedCode(pid int, exe string, functions []string) ([]CodeChange, error) {
	ef, err := elf.Open(exe)
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	syms, err := ef.Symbols()
	if err != nil {
		return nil, fmt.Errorf("symbols of %s: %w", exe, err)
	}
	text := ef.Section(".text")
	if text == nil {
		return nil, fmt.Errorf("%s has no .text", exe)
	}
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return nil, err
	}
	defer mem.Close()
	var changes []CodeChange
	for _, fn := range functions {
		var sym *elf.Symbol
		for i := range syms {
			if syms[i].Name == fn && elf.ST_TYPE(syms[i].Info) == elf.STT_FUNC {
				sym = &syms[i]
				break
			}
		}
		if sym == nil || sym.Size == 0 || sym.Size > 1<<20 {
			return nil, fmt.Errorf("%s: no function %s", exe, fn)
		}
		want := make([]byte, sym.Size)
		if _, err := text.ReadAt(want, int64(sym.Value-text.Addr)); err != nil {
			return nil, fmt.Errorf("%s in %s: %w", fn, exe, err)
		}
		got := make([]byte, sym.Size)
		if _, err := mem.ReadAt(got, int64(sym.Value)); err != nil {
			return nil, fmt.Errorf("%s in process %d: %w", fn, pid, err)
		}
		for i := range want {
			if want[i] != got[i] {
				changes = append(changes, CodeChange{Function: fn, Offset: uint64(i), File: want[i], Memory: got[i]})
			}
		}
	}
	return changes, nil
}
