package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
	"github.com/dlv-tasks/dlv-tasks/render"
)

func newDiffCommand() *cobra.Command {
	var group string
	var limit int
	var asJSON bool
	c := &cobra.Command{
		Use:   "diff EXE CORE1 CORE2",
		Short: "Compare two core dumps of one build: growth by group, leaks, pile-ups, stuck goroutines",
		Long: "diff reads two core dumps of EXE (taken one after the other, from one run) and\n" +
			"compares them as the prompt's diff does: per group, the count in each, the rate\n" +
			"(from the times the cores were written), new, ended and stuck goroutines, and\n" +
			"verdicts. Cores of different builds are refused.",
		Args: cobra.ExactArgs(3),
		RunE: func(_ *cobra.Command, args []string) error {
			return runDiff(args[0], args[1], args[2], group, limit, asJSON)
		},
	}
	c.Flags().StringVar(&group, "group", "creation", "group by KEY: creation, location, start, label:KEY, parent, task, group")
	c.Flags().IntVar(&limit, "limit", 0, "show at most N groups (0: all)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// coreSample opens core and reads its snapshot, stamped with the time the
// core was written; the session is left open for the caller to close.
func coreSample(exe, core string) (*dlvclient.Session, model.Sample, error) {
	s, err := dlvclient.OpenCore(exe, core)
	if err != nil {
		return nil, model.Sample{}, fmt.Errorf("%s: %w", core, err)
	}
	snap, err := s.Snapshot(context.Background(), nil)
	if err != nil {
		s.Close()
		return nil, model.Sample{}, fmt.Errorf("%s: %w", core, err)
	}
	at, _ := s.SnapshotTime()
	return s, model.Sample{Name: filepath.Base(core), TakenAt: at, Snapshot: snap}, nil
}

func runDiff(exe, core1, core2, group string, limit int, asJSON bool) error {
	label := ""
	if k, v, ok := strings.Cut(group, ":"); ok {
		group, label = k, v
	}
	key, err := query.ParseTrendKey(group, label)
	if err != nil {
		return err
	}
	s1, a, err := coreSample(exe, core1)
	if err != nil {
		return err
	}
	defer s1.Close()
	s2, b, err := coreSample(exe, core2)
	if err != nil {
		return err
	}
	defer s2.Close()
	id1, err1 := s1.BuildID()
	id2, err2 := s2.BuildID()
	if err1 == nil && err2 == nil && !bytes.Equal(id1, id2) {
		return fmt.Errorf("%s and %s are cores of different builds (Go build ids differ): diff compares two cores of one build", core1, core2)
	}
	d, err := query.DiffSamples(a, b, key, label, limit)
	if err != nil {
		return err
	}
	for _, n := range d.Notes() {
		fmt.Fprintf(os.Stderr, "note: %s\n", n)
	}
	if asJSON {
		return render.JSON(os.Stdout, d.JSON())
	}
	return d.Text(os.Stdout)
}
