package dlvclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// A Delve server is untrusted input: it may stop answering (a SIGSTOPped
// headless dlv), or answer without end (an endless JSON string grew the
// client to 1.8 GB within the handshake). guardedConn bounds both on the
// client's connection, below net/rpc, so that every call is covered.

// DefaultTimeout bounds how long one Delve call may take before the session
// is declared lost. Long reads legitimately take seconds (a page of 1,000
// goroutines, a 64 KiB memory read); execution commands (continue, next,
// step, stepout, call) are not bounded: the target runs as long as it runs.
const DefaultTimeout = 60 * time.Second

// maxHandshakeResponse bounds one JSON-RPC response (one top-level JSON
// value) before the session is open: SetApiVersion, GetVersion, State,
// ProcessPid answer in a few KiB.
const maxHandshakeResponse = 1 << 20

// maxResponse bounds every later response; a larger one ends the session.
// dlv-tasks pages its goroutine lists (1,000 goroutines is ~780 KB of JSON)
// and reads memory 64 KiB at a time: a response this large means a hostile
// or broken server. A variable so that tests can lower it.
var maxResponse int64 = 256 << 20

// interruptGrace is how long a pending call may still take after Ctrl-C: a
// healthy server answers its current call within it (and the command then
// stops), a server that does not answer loses the session.
const interruptGrace = 2 * time.Second

// ErrServerLost is wrapped by the error of a call after the connection to
// Delve was given up: no answer in time, an oversized or malformed
// response. The session cannot be used further.
var ErrServerLost = errors.New("the connection to Delve is lost")

// guardedConn wraps a client's connection to a Delve server: while a
// bounded call is pending its reads have a deadline; every response is
// bounded in size. It tracks calls by counting requests (net/rpc writes one
// request per Write) and complete top-level JSON values read back.
type guardedConn struct {
	net.Conn
	timeout time.Duration

	mu      sync.Mutex
	pending int // requests written whose response is incomplete
	// methods names the pending requests, oldest first (responses are
	// counted, not matched: the name of a timed-out call is a best guess
	// when several are pending).
	methods   []string
	unbounded int   // execution commands in flight: no deadline
	limit     int64 // the current response size bound
	lost      error // why the connection was given up; sticky
	graceEnd  time.Time
	// fake holds a response made up for a swallowed request (see
	// swallowSetAPIVersion), returned by the next reads.
	fake                 []byte
	swallowSetAPIVersion bool
	// firstWritten is closed once the first request was written (or
	// swallowed): until then reads wait, so a made-up response is not
	// stuck behind a read of the real connection.
	firstWritten chan struct{}
	firstOnce    sync.Once

	// The scanner of the response stream: nesting depth, string state and
	// the size of the current top-level value.
	depth    int
	inString bool
	escaped  bool
	size     int64
}

// newGuardedConn guards a client's connection. The client's SetApiVersion
// request (rpc2 sends one on every new client) is answered here, not sent:
// Delve's SetApiVersion writes the server-wide configuration that every
// other connection's requests read without synchronisation (a data race in
// Delve), and it would switch the API version of every other client of a
// shared server. Connect checks the version with GetVersion instead (Delve
// 1.27's servers speak only version 2; older ones default to 1 and are
// refused with advice to start them with --api-version 2).
func newGuardedConn(c net.Conn, timeout time.Duration) *guardedConn {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &guardedConn{Conn: c, timeout: timeout, limit: maxHandshakeResponse,
		firstWritten: make(chan struct{}), swallowSetAPIVersion: true}
}

// Close closes the connection.
func (g *guardedConn) Close() error {
	g.firstOnce.Do(func() { close(g.firstWritten) })
	return g.Conn.Close()
}

// setTimeout changes the bound of later calls.
func (g *guardedConn) setTimeout(d time.Duration) {
	g.mu.Lock()
	g.timeout = d
	g.mu.Unlock()
}

// opened lifts the handshake's response bound.
func (g *guardedConn) opened() {
	g.mu.Lock()
	g.limit = maxResponse
	g.mu.Unlock()
}

// runUnbounded runs an execution command: no deadline applies while it (and
// any call overlapping it, such as Halt) is in flight.
func (g *guardedConn) runUnbounded(f func()) {
	g.mu.Lock()
	g.unbounded++
	_ = g.Conn.SetReadDeadline(time.Time{})
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.unbounded--
		g.armLocked()
		g.mu.Unlock()
	}()
	f()
}

// interrupt gives a pending bounded call interruptGrace more to answer; it
// reports whether a call was pending.
func (g *guardedConn) interrupt() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending == 0 || g.unbounded > 0 || g.lost != nil {
		return false
	}
	g.graceEnd = time.Now().Add(interruptGrace)
	_ = g.Conn.SetReadDeadline(g.graceEnd)
	return true
}

// err is why the connection was given up, or nil.
func (g *guardedConn) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lost
}

// oldestLocked names the oldest pending call.
func (g *guardedConn) oldestLocked() string {
	if len(g.methods) == 0 {
		return "a call"
	}
	return g.methods[0]
}

// armLocked sets the read deadline for the calls in flight.
func (g *guardedConn) armLocked() {
	switch {
	case g.pending == 0 || g.unbounded > 0:
		_ = g.Conn.SetReadDeadline(time.Time{})
	case !g.graceEnd.IsZero():
		_ = g.Conn.SetReadDeadline(g.graceEnd)
	default:
		_ = g.Conn.SetReadDeadline(time.Now().Add(g.timeout))
	}
}

// Write sends one request.
func (g *guardedConn) Write(p []byte) (int, error) {
	defer g.firstOnce.Do(func() { close(g.firstWritten) })
	g.mu.Lock()
	if g.lost != nil {
		g.mu.Unlock()
		return 0, g.lost
	}
	if g.swallowSetAPIVersion {
		g.swallowSetAPIVersion = false
		if resp, ok := fakeSetAPIVersion(p); ok {
			g.fake = resp
			g.mu.Unlock()
			return len(p), nil
		}
	}
	g.pending++
	g.methods = append(g.methods, requestMethod(p))
	g.armLocked()
	g.mu.Unlock()
	return g.Conn.Write(p)
}

// requestMethod is the method of a JSON-RPC request, without the
// "RPCServer." prefix ("?" when not found).
func requestMethod(req []byte) string {
	const key = `"method":"`
	i := bytes.Index(req, []byte(key))
	if i < 0 {
		return "?"
	}
	rest := req[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || j > 100 {
		return "?"
	}
	return strings.TrimPrefix(string(rest[:j]), "RPCServer.")
}

// fakeSetAPIVersion answers a SetApiVersion request without the server.
func fakeSetAPIVersion(req []byte) ([]byte, bool) {
	var r struct {
		Method string `json:"method"`
		ID     uint64 `json:"id"`
	}
	if json.Unmarshal(req, &r) != nil || r.Method != "RPCServer.SetApiVersion" {
		return nil, false
	}
	return fmt.Appendf(nil, `{"id":%d,"result":{},"error":null}`+"\n", r.ID), true
}

// Read reads the server's responses, counting and bounding them.
func (g *guardedConn) Read(p []byte) (int, error) {
	<-g.firstWritten
	g.mu.Lock()
	if len(g.fake) > 0 {
		n := copy(p, g.fake)
		g.fake = g.fake[n:]
		g.mu.Unlock()
		return n, nil
	}
	g.mu.Unlock()
	n, err := g.Conn.Read(p)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lost != nil {
		return 0, g.lost
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if !g.graceEnd.IsZero() {
				g.lost = fmt.Errorf("%w: interrupted; Delve did not answer %s within %s of Ctrl-C", ErrServerLost, g.oldestLocked(), interruptGrace)
			} else {
				g.lost = fmt.Errorf("%w: Delve did not answer %s within %s (raise --timeout if the target is that slow)", ErrServerLost, g.oldestLocked(), g.timeout)
			}
			return 0, g.lost
		}
		return n, err
	}
	if lerr := g.scan(p[:n]); lerr != nil {
		g.lost = lerr
		return 0, g.lost
	}
	return n, nil
}

// scan follows the response stream: it counts complete top-level JSON
// values (one per response) and bounds the size of each.
func (g *guardedConn) scan(b []byte) error {
	for _, c := range b {
		if g.depth == 0 && !g.inString {
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			case '{', '[':
			default:
				return fmt.Errorf("%w: the server sent %q where a JSON-RPC response should start", ErrServerLost, c)
			}
		}
		g.size++
		if g.size > g.limit {
			return fmt.Errorf("%w: a response from the server exceeds %d MiB", ErrServerLost, g.limit>>20)
		}
		switch {
		case g.inString:
			switch {
			case g.escaped:
				g.escaped = false
			case c == '\\':
				g.escaped = true
			case c == '"':
				g.inString = false
			}
		case c == '"':
			g.inString = true
		case c == '{', c == '[':
			g.depth++
		case c == '}', c == ']':
			g.depth--
			if g.depth == 0 {
				g.size = 0
				if g.pending > 0 {
					g.pending--
					g.methods = g.methods[1:]
				}
				g.graceEnd = time.Time{}
				g.armLocked()
			}
		}
	}
	return nil
}
