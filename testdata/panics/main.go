// Command panics is a service that crashes when told to: on SIGUSR1 one of
// its workers panics, and nothing recovers it. Until then it idles. It
// prints "READY <pid>" once its signal handler is installed.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type job struct{ name string }

//go:noinline
func (j *job) run() {
	panic(fmt.Sprintf("job %s: invariant broken", j.name))
}

//go:noinline
func ready() {}

func main() {
	crash := make(chan os.Signal, 1)
	signal.Notify(crash, syscall.SIGUSR1)
	go func() {
		<-crash
		(&job{name: "reconcile"}).run()
	}()
	go func() {
		for {
			time.Sleep(time.Second)
		}
	}()
	ready()
	fmt.Println("READY", os.Getpid())
	select {}
}
