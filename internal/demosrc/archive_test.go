package demosrc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestArchiveIsCurrent fails when testdata/demo or tracker/ changed without
// the embedded archive being regenerated.
func TestArchiveIsCurrent(t *testing.T) {
	files, err := Collect(testutil.RepoRoot(t))
	require.NoError(t, err)
	want, err := Format(files)
	require.NoError(t, err)
	if !bytes.Equal(want, archive) {
		t.Fatalf("%s is stale: run go generate ./internal/demosrc", ArchiveName)
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	in := []File{{Name: "a/b.go", Data: []byte("package b\n")}, {Name: "go.mod", Data: []byte("module x\n\ngo 1.26\n")}}
	data, err := Format(in)
	require.NoError(t, err)
	out, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, in, out)

	_, err = Format([]File{{Name: "x.go", Data: []byte("-- y.go --\n")}})
	require.ErrorContains(t, err, "archive marker")
	_, err = Parse([]byte("-- ../escape.go --\nx\n"))
	require.ErrorContains(t, err, "bad file name")
}

// TestExtractedDemoBuilds extracts the embedded sources outside any
// checkout and builds the demo there, as an installed dlv-tasks does.
func TestExtractedDemoBuilds(t *testing.T) {
	dir := t.TempDir()
	demo, err := Extract(dir)
	require.NoError(t, err)
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "demo.exe"), ".")
	cmd.Dir = demo
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.FileExists(t, filepath.Join(dir, "demo.exe"))
}
