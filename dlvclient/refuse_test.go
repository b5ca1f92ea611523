package dlvclient_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// build386 builds testdata/name for GOARCH=386.
func build386(t *testing.T, name string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), name+"-386")
	cmd := exec.Command("go", "build", "-o", exe, ".")
	cmd.Dir = filepath.Join(testutil.RepoRoot(t), "testdata", name)
	cmd.Env = append(os.Environ(), "GOARCH=386", "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return exe
}

// TestRefuse386: a 386 program is refused up front by exec and attach (exec
// + continue hung while the target faulted, tens of thousands of times).
func TestRefuse386(t *testing.T) {
	exe := build386(t, "panics")
	_, err := dlvclient.Exec(exe, nil)
	require.EqualError(t, err, "exec: "+exe+" is a 32-bit EM_386 program: this dlv-tasks debugs linux/amd64 programs only")

	tg := testutil.StartTarget(t, exe, nil, nil)
	_, err = dlvclient.Attach(tg.Pid)
	require.ErrorContains(t, err, "is a 32-bit EM_386 program: this dlv-tasks debugs linux/amd64 programs only")
	status, err := os.ReadFile("/proc/" + strconv.Itoa(tg.Pid) + "/status")
	require.NoError(t, err)
	require.Contains(t, string(status), "TracerPid:\t0", "refused before any ptrace")
}

// TestRefuseFIFO: a FIFO given as the core or the executable is refused
// at once (opening it blocked until a writer came).
func TestRefuseFIFO(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	fifo := filepath.Join(t.TempDir(), "core")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan error, 2)
	go func() { _, err := dlvclient.OpenCore(exe, fifo); done <- err }()
	go func() { _, err := dlvclient.Exec(fifo, nil); done <- err }()
	var msgs []string
	for range 2 {
		select {
		case err := <-done:
			require.Error(t, err)
			msgs = append(msgs, err.Error())
		case <-time.After(30 * time.Second):
			t.Fatal("opening a FIFO hung")
		}
	}
	joined := strings.Join(msgs, "\n")
	require.Contains(t, joined, "open core "+fifo+": "+fifo+" is not a regular file (a FIFO)")
	require.Contains(t, joined, "exec "+fifo+": not a regular file (a FIFO)")
}

// TestRefuseZombie: a zombie cannot be traced by anyone; the message says
// so instead of suggesting root.
func TestRefuseZombie(t *testing.T) {
	cmd := exec.Command("/bin/true")
	require.NoError(t, cmd.Start())
	defer cmd.Wait() // reaps it
	pid := cmd.Process.Pid
	require.Eventually(t, func() bool {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err == nil && strings.Contains(string(stat), ") Z ")
	}, 10*time.Second, 5*time.Millisecond, "the child becomes a zombie")
	_, err := dlvclient.Attach(pid)
	require.EqualError(t, err, "attach to pid "+strconv.Itoa(pid)+": the process has exited and is a zombie (its parent has not reaped it): there is nothing left to debug")
	require.NotContains(t, err.Error(), "root")
}

// TestCoreOfAnotherProgram: a C program's core opened with a Go executable
// is refused as not belonging to it (Delve failed later with "reading
// spliced memory: EOF"); a core of another Go program too.
func TestCoreOfAnotherProgram(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	_, ccore := testutil.CCore(t)
	_, err := dlvclient.OpenCore(exe, ccore)
	require.ErrorContains(t, err, "the core does not belong to "+exe+": the crashed process had nothing mapped at the executable's address 0x")
	require.NotContains(t, err.Error(), "spliced")

	other := testutil.BuildTarget(t, "exits")
	zooCore, _ := testutil.CrashCore(t, exe, zooArgs, nil)
	_, err = dlvclient.OpenCore(other, zooCore)
	require.ErrorContains(t, err, "the core was not produced by "+other+" (Go build ids differ)")
}
