package main

import (
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersion checks `version` and `--version` against the module graph:
// the Delve they name is the one go.mod requires, and the Go that builds the
// test targets lies in the range they claim.
func TestVersion(t *testing.T) {
	res := run(t, "", nil, "version")
	require.Equal(t, 0, res.code, res.stderr)
	require.Equal(t, res.stdout, run(t, "", nil, "--version").stdout, "version and --version differ")

	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/go-delve/delve").Output()
	require.NoError(t, err)
	delve := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	require.Contains(t, res.stdout, "Delve "+delve+",", "Delve version is not go.mod's")

	m := regexp.MustCompile(`programs built with Go 1\.(\d+) to 1\.(\d+)`).FindStringSubmatch(res.stdout)
	require.NotNil(t, m, "no supported Go range in %q", res.stdout)
	minor := regexp.MustCompile(`^go1\.(\d+)`).FindStringSubmatch(runtime.Version())
	require.NotNil(t, minor)
	oldest, _ := strconv.Atoi(m[1])
	newest, _ := strconv.Atoi(m[2])
	ours, _ := strconv.Atoi(minor[1])
	require.True(t, oldest <= ours && ours <= newest, "Go 1.%d outside the claimed 1.%d–1.%d", ours, oldest, newest)
	require.Contains(t, res.stdout, "built with "+runtime.Version())
}
