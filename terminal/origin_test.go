package terminal

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestPsGroupOriginAndStackCommands runs the commands on a core of a server
// that starts everything through one helper: -group creation has one big
// key, -group origin names each purpose, -group stack prints the stacks.
// (States are not asserted: a goroutine may still be on its way to
// blocking when the core is taken.)
func TestPsGroupOriginAndStackCommands(t *testing.T) {
	exe := testutil.BuildTarget(t, "spawnhelper")
	core, _ := testutil.CrashCore(t, exe, []string{"-clients", "3"}, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	var out strings.Builder
	term := New(s, &out, io.Discard)

	require.NoError(t, term.Execute("ps -user -group creation"))
	require.Contains(t, out.String(), "9      main.(*Server).startGoRoutine ")
	out.Reset()
	require.NoError(t, term.Execute("ps -user -group origin"))
	for _, want := range []string{
		"3      main.(*Server).createClient.func1 ",
		"3      main.(*Server).createClient.func2 ",
		"1      main.(*Server).acceptLoop ",
		"1      main.(*Server).monitor ",
		"1      main.(*Server).compactLoop ",
		"2      main.rotateLogs ",
	} {
		require.Contains(t, out.String(), want)
	}
	out.Reset()
	require.NoError(t, term.Execute("ps -user -group stack"))
	require.Regexp(t, `(?m)^\d goroutines?: .*; ids [0-9,…]+$`, out.String())
	require.Contains(t, out.String(), "    main.(*client).readLoop ")
	require.Contains(t, out.String(), "    created by main.(*Server).startGoRoutine spawnhelper/main.go:")
}
