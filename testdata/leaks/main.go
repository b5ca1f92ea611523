// Command leaks has the classic goroutine leak: fetchAll starts one
// goroutine per mirror to send its answer on an unbuffered channel, takes the
// first answer and returns; the others block forever on a channel nobody can
// reach any more. Where the runtime has the goroutine leak profile (Go 1.27,
// or Go 1.26 with GOEXPERIMENT=goroutineleakprofile), reading it makes the
// collector mark them leaked. Then it prints "READY <pid>" and blocks.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

var keep = make(chan struct{}) // reachable: its waiter is not leaked

func fetch(mirror string, answers chan<- string) {
	answers <- "answer from " + mirror
}

func fetchAll(mirrors []string) string {
	answers := make(chan string)
	for _, m := range mirrors {
		go fetch(m, answers)
	}
	return <-answers
}

func waiter() { <-keep }

// heartbeat keeps a timer pending, as a service's tickers do (without one,
// the runtime would call the blocked program a deadlock).
func heartbeat() {
	for {
		time.Sleep(time.Hour)
	}
}

//go:noinline
func ready() { runtime.KeepAlive(keep) }

func main() {
	go waiter()
	go heartbeat()
	fmt.Fprintln(io.Discard, fetchAll([]string{"a", "b", "c", "d"}))
	settle()
	if p := pprof.Lookup("goroutineleak"); p != nil {
		if err := p.WriteTo(io.Discard, 0); err != nil {
			fmt.Fprintln(os.Stderr, "leaks:", err)
			os.Exit(1)
		}
	}
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

// settle waits until the losing fetches are blocked.
func settle() {
	buf := make([]byte, 1<<16)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		runtime.Gosched()
		n := runtime.Stack(buf, true)
		if strings.Count(string(buf[:n]), "[chan send]") == 3 {
			return
		}
	}
	fmt.Fprintln(os.Stderr, "leaks: fetches did not block")
	os.Exit(1)
}
