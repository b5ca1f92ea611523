package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
)

const modulePath = "github.com/dlv-tasks/dlv-tasks"

func newDemoCommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Build and run the bundled demo program (testdata/demo) and open the prompt on it",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			root, err := findRepoRoot()
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "dlv-tasks-demo")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			// A signal that ends dlv-tasks skips the defers: remove the
			// build directory then too.
			defer guard.onExit(func() { os.RemoveAll(dir) })()
			exe := filepath.Join(dir, "demo")
			fmt.Fprintln(os.Stderr, "building testdata/demo …")
			// The tracker package is built without optimizations so that the
			// demo's `cancel` works: Delve injects calls only into
			// unoptimized functions.
			if err := buildProgram(filepath.Join(root, "testdata", "demo"), exe, "-gcflags=github.com/dlv-tasks/dlv-tasks/tracker=-N -l"); err != nil {
				return err
			}
			s, err := dlvclient.Exec(exe, nil)
			if err != nil {
				return err
			}
			guard.setSession(s)
			defer closeSession(s)
			if err := runToReady(s); err != nil {
				return err
			}
			return runTerminal(s, *opts, demoBanner)
		},
	}
}

const demoBanner = `The demo service is stopped with all its goroutines in place. Try:
  ps -user                 every goroutine the program started
  ps -group creation       where goroutines pile up (the periodic job)
  pstree                   who created whom (tasks and groups first)
  where ID                 a goroutine's stack and its creation chain
  ps-terminated            tasks that already ended, and how (the silent watcher)
  where-terminated t:N     one ended task in full
  cancel-chain t:N         who cancelled a task's context, hop by hop
  ps -cancelled            tasks that ignore their cancellation
  continue / Ctrl-C        let it run, then stop it again
  help                     everything else
`

// runToReady runs a freshly launched target to its main.ready function,
// which every bundled program calls once its goroutines are in place.
func runToReady(s *dlvclient.Session) error {
	bp, err := s.Break("main.ready", "")
	if err != nil {
		return err
	}
	st, err := s.Continue()
	if err != nil {
		return fmt.Errorf("run to main.ready: %w", err)
	}
	if st.Exited {
		return fmt.Errorf("run to main.ready: the program exited with status %d", st.ExitStatus)
	}
	if _, err := s.ClearBreakpoint(fmt.Sprint(bp.ID)); err != nil {
		return err
	}
	return nil
}

// findRepoRoot walks up from the working directory to the dlv-tasks module
// root, where the demo's source lives.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("demo: run it from a dlv-tasks checkout (no go.mod for %s above the working directory)", modulePath)
		}
		dir = parent
	}
}

func isModuleRoot(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "module "+modulePath {
			return true
		}
	}
	return false
}

// buildProgram builds the Go program in dir (its own module) into exe.
func buildProgram(dir, exe string, flags ...string) error {
	args := append([]string{"build", "-o", exe}, flags...)
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", dir, err, out)
	}
	return nil
}
