// Command dlv-tasks is a Go debugger extension that shows a program's
// goroutines as a tree of tasks — who created whom, where each is blocked
// and since when — on a live process or a core dump. It talks to Delve over
// its JSON-RPC API, either to a headless server (connect) or to Delve
// embedded in this process (attach, exec, core, demo).
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/terminal"
)

// The output blocks of README.md and docs/TRACKER-COMMANDS.md are real
// output, checked by TestDocExamples (docs_test.go); this rewrites them
// from a fresh run.
//go:generate go test -run TestDocExamples -update-docs

// errCommandsFailed makes the process exit non-zero after -c commands failed
// (each failure was already printed).
var errCommandsFailed = errors.New("one or more commands failed")

func main() {
	guard = newExitGuard()
	if err := newRootCommand().Execute(); err != nil {
		if !errors.Is(err, errCommandsFailed) {
			fmt.Fprintf(os.Stderr, "dlv-tasks: %v\n", err)
		}
		os.Exit(1)
	}
}

// options are the flags every session command shares.
type options struct {
	commands []string
	web      string // --web ADDR: serve the session in a browser
	// redirect is where a launched target's stdout and stderr go ("":
	// dlv-tasks' stderr, so that its stdout carries command output only).
	redirect string
	// pager sends output longer than the terminal through $PAGER.
	pager bool
	// preload are snapshots read elsewhere (an earlier dump) that the
	// session keeps for diff from the start.
	preload []model.Sample
	timeout time.Duration
}

// targetOutput opens where a launched target writes; the returned close
// function releases it.
func (o options) targetOutput() (*os.File, func(), error) {
	if o.redirect == "" {
		return os.Stderr, func() {}, nil
	}
	f, err := os.OpenFile(o.redirect, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("--redirect: %w", err)
	}
	return f, func() { f.Close() }, nil
}

func newRootCommand() *cobra.Command {
	var opts options
	root := &cobra.Command{
		Use:   "dlv-tasks",
		Short: "Goroutines as a tree of tasks: who created them, where they wait, since when",
		Long: "dlv-tasks reads a Go program's goroutines through Delve — live or from a core dump —\n" +
			"and shows who created each one, where it is blocked and since when.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVar(&opts.pager, "pager", false,
		"show output longer than the terminal through $PAGER (default less -FRX); never without this flag")
	root.PersistentFlags().StringArrayVarP(&opts.commands, "command", "c", nil,
		"run this prompt command and exit, instead of opening the prompt (repeatable)")
	root.PersistentFlags().StringVar(&opts.web, "web", "",
		"also serve the session in a browser at `ADDR` (127.0.0.1:0: loopback, a random port)")
	root.PersistentFlags().DurationVar(&opts.timeout, "timeout", dlvclient.DefaultTimeout,
		"give up a Delve call that has not answered after this long (continue and the stepping commands are not bounded)")

	root.AddCommand(&cobra.Command{
		Use:   "connect HOST:PORT",
		Short: "Connect to a headless Delve server (dlv ... --headless --api-version 2)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return runSession(opts, func() (*dlvclient.Session, error) {
				s, err := dlvclient.Connect(args[0])
				if err == nil && s.HaltedOnConnect() {
					fmt.Fprintln(os.Stderr, "dlv-tasks: the target was running: halted it to read it; it resumes when you leave")
				}
				return s, err
			})
		},
	})
	var fullAttach bool
	attachCmd := &cobra.Command{
		Use:   "attach PID",
		Short: "Attach to a running process with Delve embedded (detaches on exit)",
		Long: "Attach to a running process with Delve embedded (detaches on exit).\n\n" +
			"With -c commands that only read goroutines (ps without -cancelled, pstree, where,\n" +
			"ps-terminated, where-terminated), attach takes a low-pause snapshot instead: the\n" +
			"target is stopped only while its goroutines are copied (it says how long), then runs\n" +
			"on while the copy is read. --full attaches Delve for the whole session.",
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			pid, err := strconv.Atoi(args[0])
			if err != nil {
				return fmt.Errorf("attach: invalid pid %q", args[0])
			}
			if !fullAttach && terminal.SnapshotServes(opts.commands) {
				return runSession(opts, func() (*dlvclient.Session, error) { return openSnapshot(pid) })
			}
			return runSession(opts, func() (*dlvclient.Session, error) { return dlvclient.Attach(pid) })
		},
	}
	attachCmd.Flags().BoolVar(&fullAttach, "full", false, "attach Delve for the whole session, even for read-only -c commands (the target stays stopped until dlv-tasks exits)")
	root.AddCommand(attachCmd)
	execCmd := &cobra.Command{
		Use:   "exec EXE [-- ARGS...]",
		Short: "Launch EXE under Delve, stopped at its entry point (killed on exit)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			out, closeOut, err := opts.targetOutput()
			if err != nil {
				return err
			}
			defer closeOut()
			return runSession(opts, func() (*dlvclient.Session, error) {
				return dlvclient.Exec(args[0], args[1:], dlvclient.WithOutput(out))
			})
		},
	}
	addRedirectFlag(execCmd, &opts)
	root.AddCommand(execCmd)
	root.AddCommand(&cobra.Command{
		Use:   "core EXE COREFILE",
		Short: "Open a core dump of EXE, read-only",
		Args:  cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			return runSession(opts, func() (*dlvclient.Session, error) { return dlvclient.OpenCore(args[0], args[1]) })
		},
	})
	demoCmd := newDemoCommand(&opts)
	addRedirectFlag(demoCmd, &opts)
	root.AddCommand(demoCmd)
	root.AddCommand(newReportCommand())
	root.AddCommand(newDiffCommand())
	root.AddCommand(newStacksCommand(&opts))
	root.AddCommand(newVersionCommand())
	root.Version = versionText()
	root.SetVersionTemplate("{{.Version}}")
	return root
}

// addRedirectFlag gives a command that launches its target the --redirect
// flag.
func addRedirectFlag(c *cobra.Command, opts *options) {
	c.Flags().StringVar(&opts.redirect, "redirect", "",
		"write the target's stdout and stderr to `FILE` (default: dlv-tasks' stderr; stdout carries command output only)")
}
