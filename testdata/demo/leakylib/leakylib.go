// Package leakylib stands for a third-party dependency with a goroutine leak:
// every Watch starts an internal polling goroutine that nothing ever stops.
// Its go statement is inside this package, so on its own the leaked
// goroutine's creation site says nothing about which caller is to blame; the
// creation chain (parent goroutine and its stack) does.
package leakylib

import "time"

// Watcher polls a key. There is no Close method: that is the bug.
type Watcher struct {
	key     string
	updates chan string
}

// Watch returns a watcher for key. It leaks one goroutine per call.
func Watch(key string) *Watcher {
	w := &Watcher{key: key, updates: make(chan string)}
	w.start()
	return w
}

//go:noinline
func (w *Watcher) start() {
	go w.poll()
}

// poll waits for updates that never come, forever.
func (w *Watcher) poll() {
	for {
		select {
		case <-w.updates:
		case <-time.After(time.Hour):
		}
	}
}
