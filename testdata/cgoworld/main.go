// Command cgoworld is a Go program around a C library: a worker blocked
// inside a C call, and a C event thread that calls back into Go twice — the
// first callback starts a handler goroutine and returns, the second blocks
// in Go. Both callbacks run on the same C thread, so the runtime gives them
// the same goroutine id. Once everything is in place, main (locked to the
// process's main thread) prints "READY <pid>" and spins, so that a SIGQUIT
// to the process lands on the thread that runs main.spinner.
package main

/*
#include <pthread.h>
#include <unistd.h>

extern void onEvent(int);
extern void onDrain(void);

static void csleep(int seconds) { sleep(seconds); }

static void* eventLoop(void* arg) {
	onEvent(7);
	onDrain();
	return 0;
}

static void startEventLoop(void) {
	pthread_t t;
	pthread_create(&t, 0, eventLoop, 0);
	pthread_detach(t);
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

var (
	started sync.WaitGroup
	forever = make(chan struct{})
	spins   uint64
)

func init() { runtime.LockOSThread() } // main stays on the main thread

//export onEvent
func onEvent(n C.int) {
	go handleEvent(int(n))
}

//export onDrain
func onDrain() {
	started.Done()
	<-forever
}

func handleEvent(n int) {
	started.Done()
	<-forever
}

func inC() {
	started.Done()
	C.csleep(3600)
}

//go:noinline
func spinner() {
	for {
		spins++
	}
}

//go:noinline
func ready() { runtime.KeepAlive(forever) }

func main() {
	started.Add(3)
	go inC()
	C.startEventLoop()
	started.Wait()
	settle()
	ready()
	fmt.Printf("READY %d\n", os.Getpid())
	spinner()
}

// settle waits until the worker is in C and the Go side is parked.
func settle() {
	buf := make([]byte, 1<<16)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		n := runtime.Stack(buf, true)
		dump := string(buf[:n])
		if strings.Contains(dump, "main._Cfunc_csleep") && strings.Count(dump, "[runnable]") == 0 {
			return
		}
	}
	fmt.Fprintln(os.Stderr, "cgoworld: goroutines did not settle")
	os.Exit(1)
}
