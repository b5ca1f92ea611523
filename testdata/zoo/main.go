// Command zoo is a debugger test target: a zoo of goroutines, one or more in
// every blocking state the runtime reports, created through a known tree of
// distinct functions so that parent/child relationships can be checked.
//
// Shape (with the default -n 4):
//
//	main
//	├── main.level1 ×2                     [chan receive]
//	│   └── main.level2 ×2 each            [sync.WaitGroup.Wait]
//	│       └── main.level3 ×n each        [chan receive]
//	├── main.labelledWorker ×3             [chan receive], pprof labels worker=N role=labelled
//	├── main.chanSender                    [chan send]
//	├── main.chanReceiver                  [chan receive]
//	├── main.nilChanReceiver               [chan receive (nil chan)]
//	├── main.selecter                      [select]
//	├── main.mutexWaiter                   [sync.Mutex.Lock]
//	├── main.condWaiter                    [sync.Cond.Wait]
//	├── main.sleeper                       [sleep]
//	├── main.pipeReader                    [IO wait]   (os.Pipe)
//	├── main.tcpAcceptor → main.tcpServerConn [IO wait] (loopback net.Conn)
//	├── main.connReader                    [IO wait]   (loopback net.Conn, client side)
//	├── main.wgWaiter                      [sync.WaitGroup.Wait]
//	├── main.orphanSpawner (exited before ready)
//	│   └── main.orphan ×2                 [chan receive], parent is dead
//	├── time.AfterFunc → main.timerCallback [chan receive] (created by time.goFunc)
//	├── net/http server on 127.0.0.1:0, main.slowHandler ×2 in flight [chan receive]
//	└── main.httpClient ×2                 [select] waiting for their responses
//
// Once everything is parked, main calls ready() (break on main.ready), prints
// "READY <pid>" and blocks forever in select{}.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

const (
	numLevel1   = 2
	numLevel2   = 2 // per level1
	numLabelled = 3
	numOrphans  = 2
	numRequests = 2
)

var (
	// started counts goroutines that reached the point just before blocking.
	started sync.WaitGroup

	// forever is never closed nor sent on.
	forever = make(chan struct{})

	// Keep the IO endpoints reachable so that nothing is closed by a finalizer.
	pipeR, pipeW         *os.File
	tcpClient, tcpServer net.Conn
	tcpListener          net.Listener
	httpListener         net.Listener

	mu          sync.Mutex
	condMu      sync.Mutex
	cond        = sync.NewCond(&condMu)
	neverDoneWG sync.WaitGroup

	handlerEntered = make(chan struct{}, numRequests)
	handlerRelease = make(chan struct{})
)

//go:noinline
func ready() {
	runtime.KeepAlive(forever)
}

func main() {
	n := flag.Int("n", 4, "level3 workers per level2 goroutine")
	flag.Parse()
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "zoo: -n must be >= 0")
		os.Exit(2)
	}

	// Creation tree three levels deep.
	started.Add(numLevel1 * (1 + numLevel2*(1+*n)))
	for i := 0; i < numLevel1; i++ {
		go level1(i, *n)
	}

	// Labelled workers.
	started.Add(numLabelled)
	for i := 0; i < numLabelled; i++ {
		go labelledWorker(i)
	}

	// One goroutine per blocking kind.
	started.Add(9)
	go chanSender(make(chan int))
	go chanReceiver(make(chan int))
	go nilChanReceiver()
	go selecter(make(chan int), make(chan string))
	mu.Lock() // held by main forever
	go mutexWaiter()
	go condWaiter()
	go sleeper()
	neverDoneWG.Add(1)
	go wgWaiter()

	var err error
	pipeR, pipeW, err = os.Pipe()
	check(err)
	go pipeReader(pipeR)

	// Loopback TCP connection: both ends block reading.
	tcpListener, err = net.Listen("tcp", "127.0.0.1:0")
	check(err)
	started.Add(2)
	go tcpAcceptor(tcpListener)
	tcpClient, err = net.Dial("tcp", tcpListener.Addr().String())
	check(err)
	go connReader(tcpClient)

	// Orphans: their creator returns before ready.
	started.Add(numOrphans)
	go orphanSpawner()

	// A timer callback that fires quickly and then blocks.
	started.Add(1)
	time.AfterFunc(time.Millisecond, timerCallback)

	// HTTP server with requests in flight.
	httpListener, err = net.Listen("tcp", "127.0.0.1:0")
	check(err)
	srv := &http.Server{Handler: http.HandlerFunc(slowHandler)}
	go srv.Serve(httpListener)
	url := "http://" + httpListener.Addr().String() + "/slow"
	for i := 0; i < numRequests; i++ {
		go httpClient(url, i)
	}
	for i := 0; i < numRequests; i++ {
		<-handlerEntered
	}

	started.Wait()
	settle()

	// The last goroutine created: it exits at once, and since nothing is
	// created after it, its runtime.g keeps its id, parent and creation site
	// (the runtime's accidental partial history of exited goroutines).
	numLive = runtime.NumGoroutine()
	finished := make(chan struct{})
	go lastWords(finished)
	<-finished
	for runtime.NumGoroutine() > numLive {
		runtime.Gosched()
	}

	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

// numLive is how many goroutines exist once lastWords has exited: set by
// main right before starting it.
var numLive int

//go:noinline
func lastWords(finished chan<- struct{}) {
	close(finished)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "zoo:", err)
		os.Exit(1)
	}
}

func level1(i, n int) {
	for j := 0; j < numLevel2; j++ {
		go level2(i, j, n)
	}
	started.Done()
	<-forever
}

func level2(i, j, n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for k := 0; k < n; k++ {
		go level3(&wg, i, j, k)
	}
	started.Done()
	wg.Wait() // level3 workers never finish
}

func level3(wg *sync.WaitGroup, i, j, k int) {
	defer wg.Done()
	started.Done()
	<-forever
}

func labelledWorker(i int) {
	labels := pprof.Labels("worker", strconv.Itoa(i), "role", "labelled")
	pprof.Do(context.Background(), labels, func(context.Context) {
		started.Done()
		<-forever
	})
}

func chanSender(c chan int) {
	started.Done()
	c <- 1
}

func chanReceiver(c chan int) {
	started.Done()
	<-c
}

func nilChanReceiver() {
	var c chan int
	started.Done()
	<-c
}

func selecter(a chan int, b chan string) {
	started.Done()
	select {
	case <-a:
	case <-b:
	}
}

func mutexWaiter() {
	started.Done()
	mu.Lock()
}

func condWaiter() {
	condMu.Lock()
	started.Done()
	cond.Wait()
	condMu.Unlock()
}

func sleeper() {
	started.Done()
	time.Sleep(1000 * time.Hour)
}

func wgWaiter() {
	started.Done()
	neverDoneWG.Wait()
}

func pipeReader(r *os.File) {
	buf := make([]byte, 1)
	started.Done()
	r.Read(buf)
}

func tcpAcceptor(l net.Listener) {
	c, err := l.Accept()
	check(err)
	tcpServer = c
	go tcpServerConn(c)
	started.Done()
	<-forever
}

func tcpServerConn(c net.Conn) {
	buf := make([]byte, 1)
	started.Done()
	c.Read(buf)
}

func connReader(c net.Conn) {
	buf := make([]byte, 1)
	c.Read(buf)
}

func orphanSpawner() {
	for i := 0; i < numOrphans; i++ {
		go orphan(i)
	}
}

func orphan(i int) {
	started.Done()
	<-forever
}

func timerCallback() {
	started.Done()
	<-forever
}

func slowHandler(w http.ResponseWriter, r *http.Request) {
	handlerEntered <- struct{}{}
	<-handlerRelease
	io.WriteString(w, "done\n")
}

func httpClient(url string, i int) {
	resp, err := http.Get(url + "?i=" + strconv.Itoa(i))
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	<-forever
}

// settle waits until no goroutine other than the caller is runnable or
// running, and main.orphanSpawner has exited, so that a debugger attaching
// after ready sees every goroutine in its final blocking state.
func settle() {
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
		for {
			n := runtime.Stack(buf, true)
			if n < len(buf) {
				buf = buf[:n]
				break
			}
			buf = make([]byte, 2*len(buf))
		}
		if quiet(buf) {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "zoo: goroutines did not settle:\n%s\n", buf)
			os.Exit(1)
		}
		buf = buf[:cap(buf)]
	}
}

func quiet(dump []byte) bool {
	blocks := bytes.Split(dump, []byte("\n\n"))
	for i, b := range blocks {
		if i == 0 {
			continue // the caller, running
		}
		// With GODEBUG=tracebackancestors the creators' stacks follow as
		// "[originating from goroutine N]" sections: not live frames.
		b, _, _ = bytes.Cut(b, []byte("\n[originating from"))
		header, _, _ := bytes.Cut(b, []byte("\n"))
		if bytes.Contains(header, []byte("[runnable")) || bytes.Contains(header, []byte("[running")) ||
			bytes.Contains(header, []byte("[syscall")) {
			return false
		}
		if bytes.Contains(b, []byte("\nmain.orphanSpawner(")) {
			return false
		}
	}
	return true
}
