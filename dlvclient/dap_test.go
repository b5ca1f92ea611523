package dlvclient_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"sort"
	"testing"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpc2"
	"github.com/google/go-dap"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// dapClient is a minimal DAP client, as an editor (VS Code's Go extension)
// speaks it to a headless Delve in remote-attach mode.
type dapClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	seq  int
	// events are the events received while waiting for responses.
	events []dap.Message
}

func dialDAP(t *testing.T, addr string) *dapClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &dapClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *dapClient) request(command string, args any) dap.Message {
	c.t.Helper()
	c.seq++
	raw, err := json.Marshal(map[string]any{"seq": c.seq, "type": "request", "command": command, "arguments": args})
	require.NoError(c.t, err)
	require.NoError(c.t, dap.WriteBaseMessage(c.conn, raw))
	_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		msg, err := dap.ReadProtocolMessage(c.r)
		require.NoError(c.t, err, "DAP %s: no response", command)
		if resp, ok := msg.(dap.ResponseMessage); ok && resp.GetResponse().RequestSeq == c.seq {
			require.True(c.t, resp.GetResponse().Success, "DAP %s failed: %s", command, resp.GetResponse().Message)
			return msg
		}
		c.events = append(c.events, msg)
	}
}

// threads lists the goroutine ids the DAP server reports as threads.
func (c *dapClient) threads() []int64 {
	c.t.Helper()
	resp := c.request("threads", nil).(*dap.ThreadsResponse)
	ids := make([]int64, 0, len(resp.Body.Threads))
	for _, th := range resp.Body.Threads {
		ids = append(ids, int64(th.Id))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// withoutDeadExtra drops from ids the goroutines that Delve lists but the
// runtime does not count (status 11, _Gdeadextra: a dead g parked on an
// extra M for cgo callbacks), asking Delve's own JSON-RPC listing.
func withoutDeadExtra(t *testing.T, addr string, ids []int64) []int64 {
	t.Helper()
	c := rpc2.NewClient(addr)
	defer c.Disconnect(false)
	gs, _, _, _, err := c.ListGoroutinesWithFilter(0, 0, nil, nil, &api.EvalScope{GoroutineID: -1})
	require.NoError(t, err)
	deadExtra := map[int64]bool{}
	for _, g := range gs {
		if g.Status == 11 {
			deadExtra[g.ID] = true
		}
	}
	var out []int64
	for _, id := range ids {
		if !deadExtra[id] {
			out = append(out, id)
		}
	}
	return out
}

// TestConnectBesideDAPClient runs dlv-tasks beside an editor on one headless
// Delve server (--accept-multiclient serves DAP and JSON-RPC on one port):
// the editor attaches in remote mode and keeps the target paused, dlv-tasks
// connects, reads and leaves, and neither disturbs the other — both see the
// same goroutines, the target stays paused for the editor, and the editor's
// requests keep working after dlv-tasks has gone.
func TestConnectBesideDAPClient(t *testing.T) {
	exe := testutil.BuildTarget(t, "zoo")
	tg := testutil.StartTracedTarget(t, exe, zooArgs, nil)
	addr := startHeadless(t, 2, []string{exe}, debugger.Config{AttachPid: tg.Pid})

	editor := dialDAP(t, addr)
	editor.request("initialize", map[string]any{"adapterID": "go", "clientID": "vscode", "linesStartAt1": true, "columnsStartAt1": true, "pathFormat": "path"})
	editor.request("attach", map[string]any{"request": "attach", "mode": "remote", "stopOnEntry": true})
	editor.request("configurationDone", nil)
	before := editor.threads()
	require.NotEmpty(t, before)

	s, err := dlvclient.Connect(addr)
	require.NoError(t, err)
	require.False(t, s.HaltedOnConnect(), "the editor had the target paused: dlv-tasks must not halt or resume it")
	snap, err := s.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	var ids []int64
	for _, g := range snap.Goroutines {
		ids = append(ids, g.ID)
	}
	require.Equal(t, withoutDeadExtra(t, addr, before), ids, "dlv-tasks and the DAP client see different goroutines")
	require.NoError(t, s.Close())

	require.True(t, tracingStopped(t, tg.Pid), "the target ran after dlv-tasks left; the editor had it paused")
	require.Equal(t, before, editor.threads(), "the editor's view changed after dlv-tasks left")
	st := editor.request("stackTrace", map[string]any{"threadId": 1, "levels": 20}).(*dap.StackTraceResponse)
	require.NotEmpty(t, st.Body.StackFrames, "the editor can no longer read stacks")
	for _, ev := range editor.events {
		if e, ok := ev.(*dap.TerminatedEvent); ok {
			t.Fatalf("the editor's session was terminated: %+v", e)
		}
	}

	// A second dlv-tasks session still works beside the editor.
	s2, err := dlvclient.Connect(addr)
	require.NoError(t, err)
	snap2, err := s2.Snapshot(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, snap2.Goroutines, len(snap.Goroutines))
	require.NoError(t, s2.Close())

	// The editor lets the target run. Delve's DAP session resumes the target
	// at once after any stop it did not ask for (service/dap/server.go,
	// resumeOnceAndCheckStop), so another client cannot halt it: connect
	// fails within its handshake bound, the target keeps running, and the
	// editor still pauses and reads it.
	editor.request("continue", map[string]any{"threadId": 1})
	require.Eventually(t, func() bool { return !tracingStopped(t, tg.Pid) }, 10*time.Second, 20*time.Millisecond)
	start := time.Now()
	_, err = dlvclient.Connect(addr)
	require.Error(t, err, "connect halted a target that a DAP client keeps running")
	require.Less(t, time.Since(start), time.Minute)
	require.False(t, tracingStopped(t, tg.Pid), "the target stopped after the failed connect")
	editor.request("pause", map[string]any{"threadId": 1})
	require.Eventually(t, func() bool { return tracingStopped(t, tg.Pid) }, 10*time.Second, 20*time.Millisecond, "the editor cannot pause the target")
	require.NotEmpty(t, editor.threads())
	st = editor.request("stackTrace", map[string]any{"threadId": 1, "levels": 20}).(*dap.StackTraceResponse)
	require.NotEmpty(t, st.Body.StackFrames, "the editor can no longer read stacks")
}
