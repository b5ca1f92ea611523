// Package dlvclient is dlv-tasks' only door to Delve. It opens sessions
// (a headless server over TCP, or Delve embedded in-process for attach, exec
// and core) and turns Delve's JSON-RPC answers into model values.
package dlvclient

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/go-delve/delve/pkg/proc"
	"github.com/go-delve/delve/service"
	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpc2"
	"github.com/go-delve/delve/service/rpccommon"

	"github.com/dlv-tasks/dlv-tasks/internal/fsx"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// Session kinds, as reported in model.Target.Kind.
const (
	KindConnect = "connect"
	KindAttach  = "attach"
	KindExec    = "exec"
	KindCore    = "core"
)

// ErrExited is returned by commands that need a running target after the
// target has exited.
var ErrExited = model.ErrExited

// ErrCallInterrupted is returned by Call when the injected call stopped at a
// breakpoint before returning; it completes when the target continues.
var ErrCallInterrupted = model.ErrCallInterrupted

// ErrNotLive is returned by commands that need a live target on a core dump.
var ErrNotLive = model.ErrNotLive

// handshakeTimeout bounds how long Connect waits for a server to answer.
const handshakeTimeout = 10 * time.Second

// Session is one debugging session: a Delve client plus what dlv-tasks has
// learned about the target. A Session is used from one goroutine at a time,
// except for Halt, which may be called while Continue is running.
type Session struct {
	client *rpc2.RPCClient
	target model.Target
	server service.Server // embedded server, nil for connect
	conn   net.Conn
	guard  *guardedConn // conn, bounded in time and size
	// aux is a second connection to the same server, for bulk memory reads
	// that overlap the main connection's work; nil when the server takes one
	// client only. It is dialled when the session opens, never later: Delve's
	// SetApiVersion (sent by every new client) writes the server's config,
	// which the main connection's requests read unsynchronised.
	aux      *rpc2.RPCClient
	auxConn  net.Conn
	auxGuard *guardedConn
	// parked are Delve's internal breakpoints, taken out of the target's
	// code while it is stopped (see disarmInternal).
	parked []api.Breakpoint
	// resumeOnClose is set when connect found the target running and
	// halted it: Close lets it run again, leaving it as it was.
	resumeOnClose bool

	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex
	exited bool
	status int
	rt     *runtimeLayout  // learned once per session
	snap   *model.Snapshot // cached until the target runs
	syms   locationCache   // symbolized pcs
	starts locationCache   // start locations by start pc
	// inlineTab expands inlined calls in recorded stacks (from the
	// executable's DWARF), opened once.
	inlineOnce sync.Once
	inlineTab  *inlineTable
	trk        trackerState // the tracker's layout, and its records until the target runs
	// The runtime reader's tables of the executable, opened once (rtErr
	// says why they cannot be).
	rtOnce sync.Once
	// delveGoroutinesCached: Delve has parsed every goroutine of this stop
	// (see primeDelveGoroutines).
	delveGoroutinesCached bool
	// frozen is set for a low-pause snapshot of a live process (read as a
	// core from the copy it made).
	frozen   *frozenState
	rtReader *runtimeReader
	rtErr    error
}

// HaltedOnConnect reports that connect found the target running and halted
// it; Close resumes it.
func (s *Session) HaltedOnConnect() bool { return s.resumeOnClose }

// Target describes the debugged program.
func (s *Session) Target() model.Target { return s.target }

// Live reports whether code can run in the target (false for cores).
func (s *Session) Live() bool { return s.target.Live }

// Connect opens a session on a headless Delve server started with
// --api-version 2, at addr (HOST:PORT).
func Connect(addr string) (*Session, error) {
	raw, err := net.DialTimeout("tcp", addr, handshakeTimeout)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	_ = raw.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	guard := newGuardedConn(raw, handshakeTimeout)
	conn := net.Conn(guard)
	client := rpc2.NewClientFromConn(conn)
	var version api.GetVersionOut
	if err := client.CallAPI("GetVersion", api.GetVersionIn{}, &version); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect to %s: not a Delve JSON-RPC server with API version 2 (start it with --headless --api-version 2): %w", addr, err)
	}
	if version.APIVersion != 2 {
		conn.Close()
		return nil, fmt.Errorf("connect to %s: the server speaks Delve API version %d, dlv-tasks needs 2 (start it with --api-version 2)", addr, version.APIVersion)
	}
	s := &Session{client: client, conn: conn, guard: guard, target: model.Target{Kind: KindConnect, Live: true}}
	if client.IsMulticlient() {
		s.openAux(func() (net.Conn, error) { return net.DialTimeout("tcp", addr, handshakeTimeout) })
	}
	// Nearly every Delve call waits while the target runs (dlv --continue):
	// stop it to read it, and let it run again on Close.
	state, err := client.GetStateNonBlocking()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	if state.Running {
		if _, err := client.Halt(); err != nil {
			conn.Close()
			return nil, fmt.Errorf("connect to %s: halt the running target: %w", addr, err)
		}
		s.resumeOnClose = true
	}
	s.target.PID = client.ProcessPid()
	if state.Exited {
		s.exited, s.status = true, state.ExitStatus
	}
	if !isLiveServer(client) {
		s.target.Live = false
	}
	if err := guard.err(); err != nil {
		s.closeConns()
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	_ = raw.SetWriteDeadline(time.Time{})
	s.opened()
	return s, nil
}

// isLiveServer reports whether the server debugs a process, as opposed to a
// core file (Delve reports cores as recorded targets: nothing can run).
func isLiveServer(c *rpc2.RPCClient) bool {
	return !c.Recorded()
}

// Attach attaches an embedded Delve to the running process pid.
func Attach(pid int) (*Session, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("attach: invalid pid %d", pid)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return nil, fmt.Errorf("attach to pid %d: no such process", pid)
	}
	if err := checkAttachable(pid); err != nil {
		return nil, fmt.Errorf("attach to pid %d: %w", pid, err)
	}
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if exe != "" {
		if err := checkLiveMachine(exe); err != nil {
			return nil, fmt.Errorf("attach to pid %d: %w", pid, err)
		}
		if err := checkDebugInfo(exe); err != nil {
			return nil, fmt.Errorf("attach to pid %d: %w", pid, err)
		}
	}
	s, err := startEmbedded(model.Target{Kind: KindAttach, PID: pid, Executable: exe, Live: true},
		nil, debugger.Config{AttachPid: pid})
	if err != nil {
		return nil, fmt.Errorf("attach to pid %d: %w", pid, err)
	}
	if err := s.disarmInternal(); err != nil {
		s.Close()
		return nil, fmt.Errorf("attach to pid %d: %w", pid, err)
	}
	return s, nil
}

// Exec launches exe with args under an embedded Delve, stopped at its entry
// point. Closing the session kills it.
func Exec(exe string, args []string, opts ...ExecOption) (*Session, error) {
	if err := checkExecutable(exe); err != nil {
		return nil, fmt.Errorf("exec %s: %w", exe, err)
	}
	if err := checkLiveMachine(exe); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	if err := checkDebugInfo(exe); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	cfg := debugger.Config{ExecuteKind: debugger.ExecutingExistingFile}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("exec %s: %w", exe, err)
		}
	}
	s, err := startEmbedded(model.Target{Kind: KindExec, Executable: exe, Live: true},
		append([]string{exe}, args...), cfg)
	if err != nil {
		return nil, fmt.Errorf("exec %s: %w", exe, err)
	}
	s.target.PID = s.client.ProcessPid()
	if err := s.disarmInternal(); err != nil {
		s.Close()
		return nil, fmt.Errorf("exec %s: %w", exe, err)
	}
	return s, nil
}

// ExecOption changes how Exec launches its target.
type ExecOption func(*debugger.Config) error

// WithOutput sends the launched target's stdout and stderr to f (dlv-tasks
// keeps its own stdout for command output). Delve closes the files it is
// given once the target has started, so it gets duplicates and f stays open.
func WithOutput(f *os.File) ExecOption {
	return func(c *debugger.Config) error {
		out, err := dupFile(f)
		if err != nil {
			return fmt.Errorf("redirect the target's output: %w", err)
		}
		errOut, err := dupFile(f)
		if err != nil {
			out.Close()
			return fmt.Errorf("redirect the target's output: %w", err)
		}
		c.Stdout = proc.OutputRedirect{File: out}
		c.Stderr = proc.OutputRedirect{File: errOut}
		return nil
	}
}

func dupFile(f *os.File) (*os.File, error) {
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// OpenCore opens the core dump corefile of the executable exe, read-only.
func OpenCore(exe, corefile string) (*Session, error) {
	if err := checkExecutable(exe); err != nil {
		return nil, fmt.Errorf("open core %s: executable %s: %w", corefile, exe, err)
	}
	if err := checkDebugInfo(exe); err != nil {
		return nil, fmt.Errorf("open core %s: %w", corefile, err)
	}
	if err := checkCoreFile(corefile); err != nil {
		return nil, fmt.Errorf("open core %s: %w", corefile, err)
	}
	if err := checkCoreBelongs(exe, corefile); err != nil {
		return nil, fmt.Errorf("open core %s: %w", corefile, err)
	}
	s, err := startEmbedded(model.Target{Kind: KindCore, Executable: exe, Core: corefile},
		[]string{exe}, debugger.Config{CoreFile: corefile})
	if err != nil {
		return nil, fmt.Errorf("open core %s: %w", corefile, err)
	}
	if err := s.checkCoreMatchesExecutable(); err != nil {
		s.Close()
		return nil, fmt.Errorf("open core %s: %w", corefile, err)
	}
	return s, nil
}

// startEmbedded runs a Delve server in this process, connected to a client
// through an in-memory pipe, the way dlv's own attach/exec/core commands do.
func startEmbedded(target model.Target, processArgs []string, cfg debugger.Config) (*Session, error) {
	listener := newPipeListener()
	cfg.Backend = "default"
	cfg.WorkingDir = "."
	cfg.Foreground = false
	server := rpccommon.NewServer(&service.Config{
		Listener:    listener,
		ProcessArgs: processArgs,
		APIVersion:  2,
		AcceptMulti: true,
		Debugger:    cfg,
	})
	if err := server.Run(); err != nil {
		listener.Close()
		return nil, explainDelveError(err)
	}
	clientConn, err := listener.dial()
	if err != nil {
		return nil, err
	}
	guard := newGuardedConn(clientConn, DefaultTimeout)
	client := rpc2.NewClientFromConn(guard)
	s := &Session{client: client, server: server, conn: guard, guard: guard, target: target}
	s.openAux(listener.dial)
	s.opened()
	return s, nil
}

// explainDelveError turns Delve's start-up errors into advice where the
// cause is common and Delve's words are obscure.
func explainDelveError(err error) error {
	switch {
	case isDelveError(err, errDelveNoDebugInfo):
		return fmt.Errorf("%w (the binary has no DWARF: was it built with -ldflags=-w or stripped?)", err)
	case isDelveError(err, errDelvePtraceRefused):
		return fmt.Errorf("%w (ptrace refused: run as the target's user or root, and check /proc/sys/kernel/yama/ptrace_scope)", err)
	}
	return err
}

func checkExecutable(exe string) error {
	fi, err := os.Stat(exe)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("is a directory")
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", fsx.FileKind(fi.Mode()))
	}
	return nil
}

// checkAttachable refuses a process that cannot be traced whatever the
// privileges: a zombie (it has exited; its parent has not reaped it) or a
// dead one. ptrace's EPERM for them read as "run as root".
func checkAttachable(pid int) error {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return fmt.Errorf("no such process")
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return nil
	}
	switch stat[i+2] {
	case 'Z':
		return errors.New("the process has exited and is a zombie (its parent has not reaped it): there is nothing left to debug")
	case 'X':
		return errors.New("the process is dead: there is nothing left to debug")
	}
	return nil
}

// Close ends the session the way its kind requires: a connect session
// disconnects and leaves server and target as they were; attach detaches
// and leaves the target running; exec kills what it launched; core just
// closes.
func (s *Session) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

// abortWait bounds how long Abort waits for Delve to let go of the target
// before it kills a launched target itself.
const abortWait = 10 * time.Second

// Abort ends the session from another goroutine, while a command may still
// be running (on SIGHUP or SIGTERM): a running target is halted, what exec
// launched is killed, what attach attached is detached, and a connect
// session disconnects. It waits at most about abortWait for Delve; a
// launched target that Delve could not kill by then is killed directly.
// Close and Abort run at most once between them.
func (s *Session) Abort() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.closeOnce.Do(func() { s.closeErr = s.abort() })
	}()
	select {
	case <-done:
	case <-time.After(abortWait):
		if s.target.Kind == KindExec && s.target.PID > 0 {
			// Delve is stuck; what we launched must not outlive us.
			_ = syscall.Kill(s.target.PID, syscall.SIGKILL)
		}
	}
}

// abort is Close for a session whose main connection may be busy.
func (s *Session) abort() error {
	if s.server == nil {
		// connect: leave the server as it was, on a fresh deadline.
		exited, _ := s.Exited()
		s.SetTimeout(abortWait)
		err := s.client.Disconnect(s.resumeOnClose && !exited)
		s.closeConns()
		return err
	}
	// Stop halts a running target, then detaches (killing what Delve
	// launched), whatever the connections are doing.
	err := s.server.Stop()
	s.closeConns()
	if s.frozen != nil {
		_ = os.Remove(s.frozen.dump)
	}
	return err
}

func (s *Session) close() error {
	var err error
	if s.server != nil && (s.target.Kind == KindAttach || s.target.Kind == KindExec) {
		// A continue still in flight (the web view's run, say) would keep
		// Detach waiting for ever: stop the target first.
		if st, serr := s.client.GetStateNonBlocking(); serr == nil && st.Running {
			_, _ = s.client.Halt()
		}
	}
	switch s.target.Kind {
	case KindConnect:
		exited, _ := s.Exited()
		err = s.client.Disconnect(s.resumeOnClose && !exited)
	case KindAttach:
		err = s.client.Detach(false)
	case KindExec:
		err = s.client.Detach(true)
	case KindCore, KindSnapshot:
		err = s.client.Detach(false)
	}
	if s.frozen != nil {
		_ = os.Remove(s.frozen.dump)
	}
	if s.auxConn != nil {
		_ = s.auxConn.Close()
	}
	if s.server != nil {
		// Detach already stopped the debugger; Stop releases the listener.
		_ = s.server.Stop()
	}
	if s.conn != nil {
		_ = s.conn.Close()
	}
	if err != nil && (s.exited || isClosedErr(err) || s.Lost() != nil) {
		// Nothing more to do: the target has gone, or the connection has
		// (the failure was reported when it happened; an embedded server's
		// Stop has detached or killed the target all the same).
		return nil
	}
	return err
}

func isClosedErr(err error) bool {
	return isDelveError(err, errDelveConnClosed)
}

// openAux dials the second connection for bulk memory reads. It runs while
// the session is opened, before any other call can be in flight; without it
// (a dial error) memory reads share the main connection.
func (s *Session) openAux(dial func() (net.Conn, error)) {
	raw, err := dial()
	if err != nil {
		return
	}
	s.auxGuard = newGuardedConn(raw, handshakeTimeout)
	s.aux, s.auxConn = rpc2.NewClientFromConn(s.auxGuard), s.auxGuard
}

// opened ends the handshake: later calls get the session's time and size
// bounds.
func (s *Session) opened() {
	for _, g := range []*guardedConn{s.guard, s.auxGuard} {
		if g != nil {
			g.opened()
			g.setTimeout(DefaultTimeout)
		}
	}
}

// SetTimeout bounds each later Delve call (except execution commands) to d;
// a call without an answer by then ends the session (ErrServerLost).
func (s *Session) SetTimeout(d time.Duration) {
	if d <= 0 {
		return
	}
	for _, g := range []*guardedConn{s.guard, s.auxGuard} {
		if g != nil {
			g.setTimeout(d)
		}
	}
}

// Interrupt is called on Ctrl-C: a pending Delve call gets a short grace to
// answer (so the interrupted command stops cleanly), after which the session
// is given up. It reports whether a call was pending; execution commands
// are stopped by Halt instead.
func (s *Session) Interrupt() bool {
	pending := false
	for _, g := range []*guardedConn{s.guard, s.auxGuard} {
		if g != nil && g.interrupt() {
			pending = true
		}
	}
	return pending
}

// Lost reports why the connection to Delve was given up (wrapping
// ErrServerLost), or nil while it works.
func (s *Session) Lost() error {
	for _, g := range []*guardedConn{s.guard, s.auxGuard} {
		if g != nil {
			if err := g.err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// runUnbounded runs an execution command, exempt from the call timeout.
func (s *Session) runUnbounded(f func()) {
	if s.guard == nil {
		f()
		return
	}
	s.guard.runUnbounded(f)
}

// closeConns closes both connections.
func (s *Session) closeConns() {
	if s.auxConn != nil {
		_ = s.auxConn.Close()
	}
	if s.conn != nil {
		_ = s.conn.Close()
	}
}

// memoryClient returns the client for bulk memory reads: the second
// connection when the session has one, else the main one.
func (s *Session) memoryClient() *rpc2.RPCClient {
	if s.aux != nil {
		return s.aux
	}
	return s.client
}

// Exited reports whether the target has exited, and its exit status.
func (s *Session) Exited() (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exited, s.status
}

// invalidate drops what was read from the target; called whenever it may
// have run.
func (s *Session) invalidate() {
	s.mu.Lock()
	s.snap = nil
	s.delveGoroutinesCached = false
	s.trk.invalidate()
	s.mu.Unlock()
}
