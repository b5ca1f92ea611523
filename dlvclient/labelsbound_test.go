package dlvclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// TestLabelsOverTheReadersBoundSayIncomplete reads testdata/biglabels, whose
// handlers carry a label value over the reader's 64 KiB bound and over a
// thousand labels: their labels are cut (the start of the runtime's, as its
// traceback prints them whole), JSON says labels_incomplete, and the text of
// ps and where says so too — a marker on the labels cell, a note line with
// the reason — while the whole sets stay unmarked.
func TestLabelsOverTheReadersBoundSayIncomplete(t *testing.T) {
	forEachToolchain(t, "biglabels", func(t *testing.T, exe string) {
		core, text := testutil.CrashCore(t, exe, nil, nil)
		s, err := dlvclient.OpenCore(exe, core)
		require.NoError(t, err)
		defer s.Close()
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		tb := parseTraceback(t, text)
		compareSnapshot(t, snap, tb)

		var cut, whole []model.Goroutine
		for _, g := range snap.Goroutines {
			switch {
			case g.LabelsIncomplete != "":
				cut = append(cut, g)
			case len(g.Labels) > 0:
				whole = append(whole, g)
			}
		}
		require.Len(t, cut, 2, "the 70 000-byte body and the 1 100 fields")
		require.Len(t, whole, 2, "/health and /metrics")

		var ps bytes.Buffer
		require.NoError(t, render.PsTable(&ps, snap.Goroutines, len(snap.Goroutines)))
		lines := strings.Split(ps.String(), "\n")
		for _, g := range snap.Goroutines {
			row := rowOf(t, lines, g.ID)
			require.Equalf(t, g.LabelsIncomplete != "", strings.Contains(row, "(incomplete)"), "ps row of goroutine %d: %q", g.ID, row)
		}
		note := lines[len(lines)-2]
		require.True(t, strings.HasPrefix(note, "labels (incomplete): "), "ps ends with the note: %q", note)
		for _, g := range cut {
			require.Contains(t, note, g.LabelsIncomplete)
		}

		for _, g := range append(cut, whole...) {
			var where bytes.Buffer
			chain, err := chains.CreationChain(snap, g.ID)
			require.NoError(t, err)
			require.NoError(t, render.Where(&where, &g, nil, false, chain, nil))
			require.Equalf(t, g.LabelsIncomplete != "", strings.Contains(where.String(), "(incomplete: "+g.LabelsIncomplete+")"), "where %d", g.ID)
		}

		js, err := json.Marshal(render.PsJSON(snap.Goroutines))
		require.NoError(t, err)
		require.Equal(t, 2, bytes.Count(js, []byte(`"labels_incomplete"`)))
	})
}

// rowOf returns the ps table row of goroutine id.
func rowOf(t *testing.T, lines []string, id int64) string {
	t.Helper()
	prefix := strconv.FormatInt(id, 10) + " "
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no ps row for goroutine %d", id)
	return ""
}
