package dlvclient_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// await runs f and fails the test if it takes longer than limit.
func await[T any](t *testing.T, limit time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(limit):
		t.Fatalf("no answer within %s", limit)
		panic("unreachable")
	}
}

// TestSilentServerAfterHandshake: a server that stops answering after the
// handshake (a SIGSTOPped headless dlv) costs one call timeout, not a hang,
// and the session then says it is lost.
func TestSilentServerAfterHandshake(t *testing.T) {
	f := testutil.StartFakeDelve(t, testutil.Silent, false)
	s, err := dlvclient.Connect(f.Addr)
	require.NoError(t, err)
	defer s.Close()
	s.SetTimeout(time.Second)
	start := time.Now()
	err = await(t, 30*time.Second, func() error { _, err := s.Stack(1, 10); return err })
	require.ErrorIs(t, err, dlvclient.ErrServerLost)
	require.ErrorContains(t, err, "Delve did not answer Stacktrace within 1s (raise --timeout if the target is that slow)")
	require.Less(t, time.Since(start), 20*time.Second)
	require.ErrorIs(t, s.Lost(), dlvclient.ErrServerLost)
	// Later calls fail at once (net/rpc: "connection is shut down"); Lost
	// keeps the reason for the faces, which end the session.
	err = await(t, 5*time.Second, func() error { _, err := s.Stack(1, 10); return err })
	require.Error(t, err)
	require.NoError(t, await(t, 10*time.Second, s.Close), "closing a lost session does not hang")
}

// TestInterruptPendingCall: Ctrl-C (Session.Interrupt) while a call waits
// for a silent server ends it within the grace period, long before the
// call timeout.
func TestInterruptPendingCall(t *testing.T) {
	f := testutil.StartFakeDelve(t, testutil.Silent, false)
	s, err := dlvclient.Connect(f.Addr)
	require.NoError(t, err)
	defer s.Close()
	require.False(t, s.Interrupt(), "nothing pending yet")
	errc := make(chan error, 1)
	go func() { _, err := s.Stack(1, 10); errc <- err }()
	require.Equal(t, "RPCServer.Stacktrace", <-f.Calls)
	start := time.Now()
	require.True(t, s.Interrupt())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, dlvclient.ErrServerLost)
		require.ErrorContains(t, err, "interrupted; Delve did not answer Stacktrace within 2s of Ctrl-C")
		require.Less(t, time.Since(start), 15*time.Second)
	case <-time.After(30 * time.Second):
		t.Fatal("the interrupted call did not end")
	}
}

// TestEndlessStringInHandshake: a server answering the handshake with a
// string that never ends is given up after 1 MiB, instead of growing the
// client's memory without bound (1.8 GB before the fix).
func TestEndlessStringInHandshake(t *testing.T) {
	f := testutil.StartFakeDelve(t, testutil.EndlessString, true)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := await(t, 30*time.Second, func() error { _, err := dlvclient.Connect(f.Addr); return err })
	require.ErrorIs(t, err, dlvclient.ErrServerLost)
	require.ErrorContains(t, err, "a response from the server exceeds 1 MiB")
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated while reading the endless answer")
}

// TestGarbageServer: bytes that are not JSON-RPC end the handshake at once.
func TestGarbageServer(t *testing.T) {
	for _, handshakeToo := range []bool{true, false} {
		f := testutil.StartFakeDelve(t, testutil.Garbage, handshakeToo)
		s, err := dlvclient.Connect(f.Addr)
		if handshakeToo {
			require.ErrorIs(t, err, dlvclient.ErrServerLost)
			require.ErrorContains(t, err, `the server sent 'H' where a JSON-RPC response should start`)
			continue
		}
		require.NoError(t, err)
		err = await(t, 30*time.Second, func() error { _, err := s.Stack(1, 10); return err })
		require.ErrorIs(t, err, dlvclient.ErrServerLost)
		require.ErrorIs(t, s.Lost(), dlvclient.ErrServerLost)
		require.NoError(t, s.Close())
	}
}
