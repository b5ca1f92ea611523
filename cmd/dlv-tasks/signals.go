package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
)

// exitGuard makes dlv-tasks leave nothing behind when it is told to go by a
// signal: on SIGHUP (its terminal closed) or SIGTERM it ends the session —
// killing what exec and demo launched, detaching what attach attached — runs
// the registered clean-ups (the demo's build directory) and exits with
// 128+signal. SIGINT is Ctrl-C: during a session it interrupts a pending
// Delve call (the terminal stops the command), and a prompt waiting for
// input leaves as on end of input, closing the session normally; before a
// session is open it ends dlv-tasks like SIGTERM.
type exitGuard struct {
	mu       sync.Mutex
	session  *dlvclient.Session
	cleanups []func()
	// interrupted counts SIGINTs, so that -c stops running commands.
	interrupted atomic.Int64
	sigs        chan os.Signal
}

// guard is the process's exit guard, installed by main (nil in tests of
// this package's functions: the methods then do nothing).
var guard *exitGuard

func newExitGuard() *exitGuard {
	g := &exitGuard{sigs: make(chan os.Signal, 4)}
	signal.Notify(g.sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
	go g.watch()
	return g
}

// setSession names the session to end on a signal (nil: none).
func (g *exitGuard) setSession(s *dlvclient.Session) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.session = s
	g.mu.Unlock()
}

// onExit registers a clean-up to run when a signal ends dlv-tasks; the
// returned function unregisters it (after it ran normally).
func (g *exitGuard) onExit(f func()) (unregister func()) {
	if g == nil {
		return func() {}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cleanups = append(g.cleanups, f)
	i := len(g.cleanups) - 1
	return func() {
		g.mu.Lock()
		g.cleanups[i] = nil
		g.mu.Unlock()
	}
}

// interrupts is how many SIGINTs arrived so far.
func (g *exitGuard) interrupts() int64 {
	if g == nil {
		return 0
	}
	return g.interrupted.Load()
}

func (g *exitGuard) watch() {
	for sig := range g.sigs {
		g.mu.Lock()
		s := g.session
		g.mu.Unlock()
		if sig == os.Interrupt && s != nil {
			g.interrupted.Add(1)
			s.Interrupt()
			continue
		}
		// SIGHUP, SIGTERM, or Ctrl-C before a session is open (building
		// the demo, opening a core): leave, as without a handler.
		g.leave(sig.(syscall.Signal), s)
	}
}

// leave ends the session, if any, and the process.
func (g *exitGuard) leave(sig syscall.Signal, s *dlvclient.Session) {
	if s != nil {
		// stderr may be gone with the terminal; the message is best effort.
		fmt.Fprintf(os.Stderr, "\ndlv-tasks: %v: %s\n", sig, leavingWords(s))
		s.Abort()
	}
	g.mu.Lock()
	cleanups := g.cleanups
	g.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		if cleanups[i] != nil {
			cleanups[i]()
		}
	}
	os.Exit(128 + int(sig))
}

// leavingWords says what leaving does to the target.
func leavingWords(s *dlvclient.Session) string {
	switch s.Target().Kind {
	case dlvclient.KindExec:
		return "killing the program it launched"
	case dlvclient.KindAttach:
		return "detaching from the program, which keeps running"
	case dlvclient.KindConnect:
		return "disconnecting from the Delve server"
	}
	return "closing the session"
}
