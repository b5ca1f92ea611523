package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// crashingC is a C program that dies of SIGSEGV.
const crashingC = `#include <stdio.h>
int main(void) {
	puts("about to crash");
	*(volatile int *)0 = 1;
	return 0;
}
`

// CCore compiles a small C program with gcc and makes it dump core,
// returning the executable and the core: a core of a program that is not
// Go. The test is skipped when gcc is not installed.
func CCore(t testing.TB) (exe, core string) {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc is not installed: no C program to take a core of")
	}
	if err := raiseCoreLimit(); err != nil {
		t.Fatalf("testutil: %v", err)
	}
	if err := checkCorePattern(); err != nil {
		t.Fatalf("testutil: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "crash.c")
	exe = filepath.Join(dir, "crash")
	if err := os.WriteFile(src, []byte(crashingC), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-g", "-o", exe, src).CombinedOutput(); err != nil {
		t.Fatalf("testutil: gcc: %v\n%s", err, out)
	}
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Dir = run
	if err := cmd.Run(); err == nil {
		t.Fatal("testutil: the C program did not crash")
	}
	core, err = findCore(run, cmd.Process.Pid)
	if err != nil {
		t.Fatalf("testutil: %v", err)
	}
	return exe, core
}
