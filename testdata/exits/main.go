// Command exits is a target that leaves on its own: it prints READY, calls
// ready (so a debugger can stop there), then exits with status 3 after a
// short while. Tests use it for "the target exited mid-session".
package main

import (
	"fmt"
	"os"
	"time"
)

//go:noinline
func ready() {}

func main() {
	done := make(chan struct{})
	go func() {
		time.Sleep(100 * time.Millisecond)
		close(done)
	}()
	ready()
	fmt.Println("READY", os.Getpid())
	<-done
	os.Exit(3)
}
