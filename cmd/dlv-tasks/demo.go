package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/demosrc"
	"github.com/dlv-tasks/dlv-tasks/model"
)

func newDemoCommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Build and run the bundled demo program and open the prompt on it (needs only Go)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			dir, err := os.MkdirTemp("", "dlv-tasks-demo")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			// A signal that ends dlv-tasks skips the defers: remove the
			// build directory then too.
			defer guard.onExit(func() { os.RemoveAll(dir) })()
			// The demo's sources travel inside the binary, so an installed
			// dlv-tasks runs it anywhere Go is installed.
			src, err := demosrc.Extract(dir)
			if err != nil {
				return err
			}
			exe := filepath.Join(dir, "demo")
			fmt.Fprintln(os.Stderr, "building the demo …")
			// The demo's own packages are built without optimizations so
			// that break, step and print behave as in a debug build, and so
			// is the tracker, so that `cancel` works: Delve injects calls
			// only into unoptimized functions.
			if err := buildProgram(src, exe, "-gcflags=example.com/demo/...=-N -l", "-gcflags="+model.TrackerPackage+"=-N -l"); err != nil {
				return err
			}
			out, closeOut, err := opts.targetOutput()
			if err != nil {
				return err
			}
			defer closeOut()
			s, err := dlvclient.Exec(exe, nil, dlvclient.WithOutput(out))
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
