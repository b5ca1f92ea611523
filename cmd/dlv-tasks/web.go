package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/terminal"
)

// startWeb serves the session in a browser when --web was given, printing
// the URL on stderr.
func startWeb(t *terminal.Terminal, opts options) error {
	if opts.web == "" {
		return nil
	}
	url, err := t.StartWeb(opts.web)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "dlv-tasks: serving this session at %s\n", url)
	return nil
}

// serveUntilInterrupt keeps a --web view serving after -c commands, until
// Ctrl-C.
func serveUntilInterrupt(opts options) {
	if opts.web == "" {
		return
	}
	fmt.Fprintln(os.Stderr, "dlv-tasks: the web view serves until Ctrl-C")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	<-ctx.Done()
}

func newReportCommand() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "report EXE COREFILE -o report.html",
		Short: "Write a self-contained HTML report of a core dump (opens offline in any browser)",
		Args:  cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			s, err := dlvclient.OpenCore(args[0], args[1])
			if err != nil {
				return err
			}
			defer s.Close()
			title := filepath.Base(args[0]) + " " + filepath.Base(args[1])
			stats, err := terminal.WriteReportFile(context.Background(), s, out, title)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "dlv-tasks: report written to %s (%d goroutines, %d distinct stacks, %d bytes)\n",
				out, stats.Goroutines, stats.Stacks, stats.Bytes)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "report.html", "write the report to this `file`")
	return c
}
