// Command spawnhelper is a debugger test target shaped like a message
// server that starts every goroutine of its own through one helper, as
// nats-server does with (*Server).startGoRoutine: the go statement, and so
// the creation site and the start function, is the same for goroutines with
// very different jobs.
//
// Shape (with the default -clients 4):
//
//	main
//	├── (*Server).startGoRoutine.func1 → (*Server).acceptLoop       [IO wait]
//	│   └── startGoRoutine.func1 → (*Server).createClient.func1 ×clients (exited)
//	│       ├── startGoRoutine.func1 → (*client).readLoop            [IO wait]
//	│       └── startGoRoutine.func1 → (*client).writeLoop           [sync.Cond.Wait]
//	├── startGoRoutine.func1 → (*Server).monitor                     [sleep]
//	├── startGoRoutine.func1 → (*Server).Start.func1 → (*Server).statsLoop [select]
//	├── flushMetrics                                                  [chan receive]
//	├── rotateLogs ×2                                                 [chan receive]
//	├── sync.(*WaitGroup).Go.func1 → (*Server).compactLoop            [chan receive]
//	└── -clients loopback connections, dialled by main
//
// The hooks flushMetrics, rotateLogs, rotateLogs are started by one go
// statement over a slice of func values (`go h(s.quit)`).
//
// Once everything is parked, main calls ready() (break on main.ready),
// prints "READY <pid>" and blocks forever in select{}.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"time"
)

// Server accepts clients and runs background jobs.
type Server struct {
	listener net.Listener
	quit     chan struct{}

	grMu      sync.Mutex
	grRunning bool
	grWG      sync.WaitGroup

	// background runs maintenance that outlives no client.
	background sync.WaitGroup

	// parked counts goroutines that reached the point just before blocking.
	parked sync.WaitGroup
}

// client is one accepted connection.
type client struct {
	srv  *Server
	conn net.Conn
	mu   sync.Mutex
	cond *sync.Cond
	out  [][]byte
}

// startGoRoutine runs f in a new goroutine unless the server is shutting
// down; it reports whether it did.
func (s *Server) startGoRoutine(f func()) bool {
	s.grMu.Lock()
	defer s.grMu.Unlock()
	if !s.grRunning {
		return false
	}
	s.grWG.Add(1)
	go func() {
		defer s.grWG.Done()
		f()
	}()
	return true
}

// Start starts the server's goroutines.
func (s *Server) Start() {
	s.grRunning = true
	s.parked.Add(3)
	s.startGoRoutine(s.acceptLoop)
	s.startGoRoutine(s.monitor)
	s.startGoRoutine(func() {
		s.statsLoop(time.Hour)
	})
	s.parked.Add(1)
	s.background.Go(s.compactLoop)
	hooks := []func(<-chan struct{}){flushMetrics, rotateLogs, rotateLogs}
	s.parked.Add(len(hooks))
	for _, h := range hooks {
		go h(s.quit)
	}
}

func (s *Server) acceptLoop() {
	s.parked.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		s.startGoRoutine(func() { s.createClient(conn) })
	}
}

// createClient sets up a client and starts its loops, then returns.
func (s *Server) createClient(conn net.Conn) {
	c := &client{srv: s, conn: conn}
	c.cond = sync.NewCond(&c.mu)
	s.startGoRoutine(func() { c.readLoop() })
	s.startGoRoutine(func() { c.writeLoop() })
}

func (c *client) readLoop() {
	buf := make([]byte, 512)
	c.srv.parked.Done()
	for {
		n, err := c.conn.Read(buf)
		if err != nil {
			return
		}
		c.mu.Lock()
		c.out = append(c.out, buf[:n:n])
		c.cond.Signal()
		c.mu.Unlock()
	}
}

func (c *client) writeLoop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.srv.parked.Done()
	for {
		for len(c.out) == 0 {
			c.cond.Wait()
		}
		c.out = c.out[:0]
	}
}

func (s *Server) monitor() {
	s.parked.Done()
	for {
		time.Sleep(time.Hour)
	}
}

func (s *Server) statsLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	s.parked.Done()
	for {
		select {
		case <-t.C:
		case <-s.quit:
			return
		}
	}
}

// compactLoop compacts storage whenever asked to.
func (s *Server) compactLoop() {
	s.parked.Done()
	<-s.quit
}

var parkedHooks *sync.WaitGroup

func flushMetrics(quit <-chan struct{}) {
	parkedHooks.Done()
	<-quit
}

func rotateLogs(quit <-chan struct{}) {
	parkedHooks.Done()
	<-quit
}

//go:noinline
func ready() {}

func main() {
	clients := flag.Int("clients", 4, "number of client connections")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "spawnhelper:", err)
		os.Exit(1)
	}
	s := &Server{listener: ln, quit: make(chan struct{})}
	parkedHooks = &s.parked
	s.Start()
	s.parked.Add(2 * *clients)
	conns := make([]net.Conn, 0, *clients)
	for i := 0; i < *clients; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			fmt.Fprintln(os.Stderr, "spawnhelper:", err)
			os.Exit(1)
		}
		conns = append(conns, c)
	}
	s.parked.Wait()
	ready()
	fmt.Println("READY", os.Getpid())
	runtime.KeepAlive(conns)
	select {}
}
