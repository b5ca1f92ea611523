package dlvclient

import (
	"errors"
	"testing"
	"time"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// TestEndlessStringAfterHandshake: after the handshake responses may be
// large, but not without end. The bound is lowered here so that the test
// does not move 256 MiB.
func TestEndlessStringAfterHandshake(t *testing.T) {
	saved := maxResponse
	maxResponse = 4 << 20
	defer func() { maxResponse = saved }()
	f := testutil.StartFakeDelve(t, testutil.EndlessString, false)
	s, err := Connect(f.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() { _, err := s.Stack(1, 10); done <- err }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the endless answer was read without end")
	}
	if !errors.Is(err, ErrServerLost) || err.Error() != "stack of goroutine 1: the connection to Delve is lost: a response from the server exceeds 4 MiB" {
		t.Fatalf("got %v", err)
	}
	if sent := f.Sent.Load(); sent > 64<<20 {
		t.Fatalf("the client kept reading: the server sent %d bytes", sent)
	}
}
