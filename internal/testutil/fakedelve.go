package testutil

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// FakeDelve is a hostile stand-in for a headless Delve server (JSON-RPC,
// API version 2) on a loopback port. It answers the calls dlv-tasks makes
// while connecting like a stopped live target would, then misbehaves on the
// first other call as its Misbehave function says.
type FakeDelve struct {
	// Addr is HOST:PORT to connect to.
	Addr string
	// Calls receives the method name of every call after the handshake
	// (buffered; calls beyond its capacity are not reported).
	Calls chan string
	// Sent counts the bytes written to clients.
	Sent atomic.Int64

	lis  net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	conn []net.Conn
}

// Misbehaviour is what FakeDelve does instead of answering a call: it gets
// the connection and the request id, and returns when done (closing nothing).
type Misbehaviour func(c io.ReadWriter, id uint64)

// Silent never answers (it returns when the client hangs up).
func Silent(c io.ReadWriter, id uint64) { _, _ = io.Copy(io.Discard, c) }

// EndlessString starts a well-formed response whose string never ends.
func EndlessString(w io.ReadWriter, id uint64) {
	fmt.Fprintf(w, `{"id":%d,"result":{"DelveVersion":"`, id)
	chunk := []byte(strings.Repeat("A", 64<<10))
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// Garbage answers with bytes that are not JSON-RPC.
func Garbage(c io.ReadWriter, id uint64) {
	_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n\x00\x01\x02")
	_, _ = io.Copy(io.Discard, c)
}

// StartFakeDelve starts a FakeDelve. With handshakeToo, it misbehaves from
// the very first call instead of after the handshake. It is stopped when
// the test ends.
func StartFakeDelve(t testing.TB, misbehave Misbehaviour, handshakeToo bool) *FakeDelve {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testutil: fake delve: %v", err)
	}
	f := &FakeDelve{Addr: lis.Addr().String(), Calls: make(chan string, 64), lis: lis}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conn = append(f.conn, c)
			f.mu.Unlock()
			go f.serve(c, misbehave, handshakeToo)
		}
	}()
	t.Cleanup(f.stop)
	return f
}

func (f *FakeDelve) stop() {
	f.lis.Close()
	f.mu.Lock()
	for _, c := range f.conn {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// handshakeAnswers are the results of the calls dlv-tasks makes while
// connecting, as a stopped live target's server gives them.
var handshakeAnswers = map[string]string{
	"RPCServer.SetApiVersion": `{}`,
	"RPCServer.GetVersion":    `{"DelveVersion":"fake","APIVersion":2}`,
	"RPCServer.State":         `{"State":{"Running":false,"Threads":null}}`,
	"RPCServer.ProcessPid":    `{"Pid":4242}`,
	"RPCServer.Recorded":      `{"Recorded":false}`,
	"RPCServer.IsMulticlient": `{"IsMulticlient":false}`,
}

// countingConn counts what the fake sends.
type countingConn struct {
	io.Reader
	w io.Writer
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (f *FakeDelve) serve(c net.Conn, misbehave Misbehaviour, handshakeToo bool) {
	r := bufio.NewReader(c)
	w := countingConn{r, c, &f.Sent}
	dec := json.NewDecoder(r)
	for {
		var req struct {
			Method string `json:"method"`
			ID     uint64 `json:"id"`
		}
		if err := dec.Decode(&req); err != nil {
			return
		}
		answer, ok := handshakeAnswers[req.Method]
		if !ok || handshakeToo {
			select {
			case f.Calls <- req.Method:
			default:
			}
			misbehave(w, req.ID)
			return
		}
		fmt.Fprintf(w, `{"id":%d,"result":%s,"error":null}`+"\n", req.ID, answer)
	}
}
