package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
)

// versionText says which dlv-tasks this is, the Delve it embeds and the Go
// releases it can debug.
func versionText() string {
	version, revision := "(devel)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	if revision != "" {
		version += " (" + revision + ")"
	}
	oldest, newest := dlvclient.SupportedGo()
	return fmt.Sprintf("dlv-tasks %s\nDelve %s, built with %s\nreads programs built with Go %s to %s\n",
		version, dlvclient.DelveVersion(), runtime.Version(), oldest, newest)
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the dlv-tasks and Delve versions and the Go releases it supports",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := io.WriteString(c.OutOrStdout(), versionText())
			return err
		},
	}
}
