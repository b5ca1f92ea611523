// Command longwait is a service whose workers have been stuck for over a
// minute: a lock held by a wedged owner, a queue nobody drains, a select
// waiting for a reply, a condition never signalled. It prints "READY <pid>"
// only once they have been blocked for -age (default 65s), as the garbage
// collector sees it (the runtime stamps a blocked goroutine's wait start
// during a GC: two collections right after they block make the stamp
// their blocking time). A late worker blocks just before READY: the runtime
// knows no wait time for it.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

var (
	stateMu sync.Mutex
	queue   = make(chan string)
	replies = make(chan string)
	condMu  sync.Mutex
	cond    = sync.NewCond(&condMu)
	blocked sync.WaitGroup
	stop    = make(chan struct{})
)

func lockedWorker() {
	blocked.Done()
	stateMu.Lock()
	defer stateMu.Unlock()
}

func queueWorker() {
	blocked.Done()
	for job := range queue {
		_ = job
	}
}

func replyWaiter() {
	blocked.Done()
	select {
	case r := <-replies:
		_ = r
	case <-stop:
	}
}

func condWaiter() {
	condMu.Lock()
	blocked.Done()
	cond.Wait()
	condMu.Unlock()
}

func lateWorker(ready chan<- struct{}) {
	close(ready)
	<-stop
}

//go:noinline
func ready() { runtime.KeepAlive(stop) }

func main() {
	age := flag.Duration("age", 65*time.Second, "how long the workers are blocked before READY")
	flag.Parse()

	// The netpoller runs (as in any server): a thread then sleeps in it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "longwait:", err)
		os.Exit(1)
	}
	defer ln.Close()
	go func() {
		for {
			if _, err := ln.Accept(); err != nil {
				return
			}
		}
	}()

	stateMu.Lock() // the wedged owner never unlocks
	blocked.Add(5)
	go lockedWorker()
	go lockedWorker()
	go queueWorker()
	go replyWaiter()
	go condWaiter()
	blocked.Wait()
	settle()
	runtime.GC()
	runtime.GC()

	time.Sleep(*age)

	late := make(chan struct{})
	go lateWorker(late)
	<-late
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

// settle waits until no goroutine but main is running or runnable.
func settle() {
	buf := make([]byte, 1<<16)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		runtime.Gosched()
		n := runtime.Stack(buf, true)
		if strings.Count(string(buf[:n]), "[running]")+strings.Count(string(buf[:n]), "[runnable]") <= 1 {
			return
		}
	}
	fmt.Fprintln(os.Stderr, "longwait: workers did not block")
	os.Exit(1)
}
