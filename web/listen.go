package web

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where the web view listens unless told otherwise: the
// loopback interface, on a port the kernel picks.
const DefaultAddr = "127.0.0.1:0"

// Serve listens on addr (DefaultAddr when empty) and serves s in the
// background. It returns the URL to open and a function that stops the
// server. An address that is not loopback makes the session readable (and
// a live target controllable, with the token) from the network: Serve says
// so on warn, and then accepts any Host header.
func Serve(s *Server, addr string, warn io.Writer) (url string, stop func() error, err error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("web: listen on %s: %w", addr, err)
	}
	tcp := ln.Addr().(*net.TCPAddr)
	if !tcp.IP.IsLoopback() {
		s.AnyHost = true
		fmt.Fprintf(warn, "WARNING: the web view listens on %s, NOT loopback only: anyone who can reach this address can read the target's memory through it.\n", ln.Addr())
	}
	host := ln.Addr().String()
	if tcp.IP.IsUnspecified() {
		host = fmt.Sprintf("127.0.0.1:%d", tcp.Port)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + host + "/", srv.Close, nil
}
