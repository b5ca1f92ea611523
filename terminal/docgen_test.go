package terminal

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite "+CommandReferencePath+" from the command table")

// TestGeneratedCommandReference fails when docs/COMMANDS.md is not what the
// command table generates (as Delve's TestGeneratedDoc does for its CLI
// reference): run go generate ./terminal after changing a command.
func TestGeneratedCommandReference(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteCommandReference(&b))
	path := filepath.Join("..", CommandReferencePath)
	if *update {
		require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	}
	onDisk, err := os.ReadFile(path)
	require.NoError(t, err)
	if !bytes.Equal(onDisk, b.Bytes()) {
		t.Fatalf("%s is out of date with the command table: run `go generate ./terminal`", CommandReferencePath)
	}
	// Every command, alias and flag is in it.
	term := New(nil, &bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range term.commands {
		for _, n := range c.names {
			require.Contains(t, b.String(), "`"+n+"`")
		}
		for _, f := range c.flagNames() {
			require.True(t, strings.Contains(b.String(), "`"+f+"`") || strings.Contains(b.String(), "`"+f+" "), "%s %s", c.names[0], f)
		}
	}
}
