package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportCommand writes the report of the tracked core from the command
// line and at the prompt, and checks that it embeds what ps --json reads.
func TestReportCommand(t *testing.T) {
	exe, core := trackedCore(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "cli.html")
	r := run(t, "", nil, "report", exe, core, "-o", out)
	require.Zero(t, r.code, r.stderr)
	require.Regexp(t, `report written to .*cli.html \(\d+ goroutines`, r.stderr)
	html, err := os.ReadFile(out)
	require.NoError(t, err)
	m := regexp.MustCompile(`(?s)<script id="report-data" type="application/json" nonce="[0-9a-f]+">(.*?)</script>`).FindSubmatch(html)
	require.NotNil(t, m, "the data is embedded")
	var data struct {
		Rows [][]any `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(m[1], &data))

	ps := run(t, "", nil, append([]string{"core", exe, core}, oneShot("ps --json")...)...)
	require.Zero(t, ps.code, ps.stderr)
	var gs []struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal([]byte(ps.stdout), &gs))
	require.Len(t, data.Rows, len(gs))
	for i, g := range gs {
		require.EqualValues(t, g.ID, data.Rows[i][0])
	}

	prompt := filepath.Join(dir, "prompt.html")
	r = run(t, "", nil, append([]string{"core", exe, core}, oneShot("report "+prompt)...)...)
	require.Zero(t, r.code, r.stderr)
	require.Contains(t, r.stdout, "Report written to "+prompt)
	html2, err := os.ReadFile(prompt)
	require.NoError(t, err)
	require.True(t, strings.Contains(string(html2), "report-job"))
}
