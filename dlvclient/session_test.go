package dlvclient_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-delve/delve/service"
	"github.com/go-delve/delve/service/dap"
	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpc2"
	"github.com/go-delve/delve/service/rpccommon"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// startHeadless starts a real headless Delve server on a loopback port, as
// `dlv --headless --api-version N --accept-multiclient` would, and returns
// its address.
func startHeadless(t *testing.T, apiVersion int, processArgs []string, cfg debugger.Config) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg.Backend = "default"
	srv := rpccommon.NewServer(&service.Config{
		Listener: lis, ProcessArgs: processArgs, APIVersion: apiVersion,
		AcceptMulti: true, Debugger: cfg,
	})
	require.NoError(t, srv.Run())
	t.Cleanup(func() { _ = srv.Stop() })
	return lis.Addr().String()
}

func TestConnectToHeadlessCoreServer(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, text := testutil.CrashCore(t, exe, zooArgs, nil)
	addr := startHeadless(t, 2, []string{exe}, debugger.Config{CoreFile: core})

	s, err := dlvclient.Connect(addr)
	require.NoError(t, err)
	require.False(t, s.Live(), "a core served by a headless server is not live")
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	compareWithTraceback(t, snap, text)
	require.NoError(t, s.Close())

	// Leaving did not stop the server: a second client gets the same answer.
	s2, err := dlvclient.Connect(addr)
	require.NoError(t, err)
	snap2, err := s2.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, len(snap.Goroutines), len(snap2.Goroutines))
	require.NoError(t, s2.Close())
}

func TestConnectLeavesLiveTargetRunning(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTracedTarget(t, exe, zooArgs, nil)
	addr := startHeadless(t, 2, []string{exe}, debugger.Config{AttachPid: tg.Pid})

	s, err := dlvclient.Connect(addr)
	require.NoError(t, err)
	require.True(t, s.Live())
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.NotNil(t, snap.Goroutine(1))
	require.NoError(t, s.Close())

	select {
	case <-tg.Exited():
		t.Fatal("the target died when dlv-tasks disconnected")
	case <-time.After(300 * time.Millisecond):
	}
	// The server is still there, with its target.
	s2, err := dlvclient.Connect(addr)
	require.NoError(t, err)
	require.NoError(t, s2.Close())
}

func TestConnectErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := lis.Addr().String()
		lis.Close()
		_, err = dlvclient.Connect(addr)
		require.ErrorContains(t, err, "connect to "+addr)
		require.ErrorContains(t, err, "refused")
	})
	t.Run("silent server", func(t *testing.T) {
		// A server that accepts and never answers must not hang us.
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer lis.Close()
		go func() {
			for {
				c, err := lis.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		done := make(chan error, 1)
		go func() { _, err := dlvclient.Connect(lis.Addr().String()); done <- err }()
		select {
		case err := <-done:
			require.ErrorContains(t, err, "not a Delve JSON-RPC server")
		case <-time.After(30 * time.Second):
			t.Fatal("Connect hung on a silent server")
		}
	})
	t.Run("DAP server", func(t *testing.T) {
		// dlv dap speaks the Debug Adapter Protocol, not JSON-RPC.
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := dap.NewServer(&service.Config{Listener: lis, Debugger: debugger.Config{Backend: "default"}})
		defer srv.Stop()
		srv.Run()
		_, err = dlvclient.Connect(lis.Addr().String())
		require.ErrorContains(t, err, "not a Delve JSON-RPC server with API version 2")
	})
}

func TestOpenCoreErrors(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, _ := testutil.CrashCore(t, exe, zooArgs, nil)
	dir := t.TempDir()

	t.Run("missing core", func(t *testing.T) {
		_, err := dlvclient.OpenCore(exe, filepath.Join(dir, "nope"))
		require.ErrorContains(t, err, "no such file")
	})
	t.Run("not ELF", func(t *testing.T) {
		p := filepath.Join(dir, "text")
		require.NoError(t, os.WriteFile(p, []byte("hello, not a core\n"), 0o644))
		_, err := dlvclient.OpenCore(exe, p)
		require.ErrorContains(t, err, "not an ELF core dump")
	})
	t.Run("executable instead of core", func(t *testing.T) {
		_, err := dlvclient.OpenCore(exe, exe)
		require.ErrorContains(t, err, "not a core dump")
	})
	t.Run("truncated", func(t *testing.T) {
		data, err := os.ReadFile(core)
		require.NoError(t, err)
		p := filepath.Join(dir, "truncated")
		require.NoError(t, os.WriteFile(p, data[:len(data)/2], 0o644))
		_, err = dlvclient.OpenCore(exe, p)
		require.ErrorContains(t, err, "truncated core dump")
	})
	t.Run("other binary", func(t *testing.T) {
		other := testutil.BuildTarget(t, "many")
		_, err := dlvclient.OpenCore(other, core)
		require.ErrorContains(t, err, "the core was not produced by "+other)
	})
	t.Run("stripped binary", func(t *testing.T) {
		stripped := testutil.BuildTargetFlags(t, "zoo", "-ldflags=-s -w")
		_, err := dlvclient.OpenCore(stripped, core)
		require.ErrorContains(t, err, "has no DWARF debug info")
		_, err = dlvclient.Exec(stripped, nil)
		require.ErrorContains(t, err, "has no DWARF debug info")
		tg := testutil.StartTarget(t, stripped, []string{"-n", "1"}, nil)
		_, err = dlvclient.Attach(tg.Pid)
		require.ErrorContains(t, err, "has no DWARF debug info")
	})
	t.Run("missing executable", func(t *testing.T) {
		_, err := dlvclient.OpenCore(filepath.Join(dir, "nope"), core)
		require.ErrorContains(t, err, "no such file")
	})
}

func TestAttachErrors(t *testing.T) {
	_, err := dlvclient.Attach(0)
	require.ErrorContains(t, err, "invalid pid")
	_, err = dlvclient.Attach(1 << 30)
	require.ErrorContains(t, err, "no such process")
}

func TestUnknownGoroutine(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	core, _ := testutil.CrashCore(t, exe, zooArgs, nil)
	s, err := dlvclient.OpenCore(exe, core)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Stack(1<<40, 10)
	require.True(t, errors.Is(err, dlvclient.ErrUnknownGoroutine), "got %v", err)
	_, err = s.Continue()
	require.ErrorIs(t, err, dlvclient.ErrNotLive)
}

// tracingStopped reports whether pid is stopped by its tracer.
func tracingStopped(t *testing.T, pid int) bool {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	require.NoError(t, err)
	return strings.Contains(string(status), "(tracing stop)")
}

// TestConnectToRunningTarget connects to a headless server whose target
// runs (dlv --continue): Delve answers almost nothing while it runs, so
// connect halts it, reads it, and lets it run again when leaving.
func TestConnectToRunningTarget(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTracedTarget(t, exe, zooArgs, nil)
	addr := startHeadless(t, 2, []string{exe}, debugger.Config{AttachPid: tg.Pid})
	starter := rpc2.NewClient(addr)
	require.NoError(t, starter.Disconnect(true)) // continue, as dlv --continue does
	require.Eventually(t, func() bool { return !tracingStopped(t, tg.Pid) }, 5*time.Second, 20*time.Millisecond)

	done := make(chan struct{})
	go func() {
		defer close(done)
		s, err := dlvclient.Connect(addr)
		require.NoError(t, err)
		require.True(t, s.HaltedOnConnect())
		require.True(t, tracingStopped(t, tg.Pid))
		snap, err := s.Snapshot(context.Background(), nil)
		require.NoError(t, err)
		require.NotNil(t, snap.Goroutine(1))
		require.NoError(t, s.Close())
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("connect to a running target hung")
	}
	require.Eventually(t, func() bool { return !tracingStopped(t, tg.Pid) }, 5*time.Second, 20*time.Millisecond,
		"the target runs again after dlv-tasks leaves")
}
