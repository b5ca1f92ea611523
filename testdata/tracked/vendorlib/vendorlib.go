// Package vendorlib stands in for a third-party library with a goroutine
// leak. Every Subscribe starts an internal manager goroutine, which starts a
// heartbeat goroutine of its own; nothing ever stops either of them (there is
// no Close). The library uses plain go statements, not the tracker, so only
// the runtime's creation records (parent goroutine, go statement) lead from a
// leaked goroutine back to the caller's own call site.
package vendorlib

import "time"

// Subscription is a subscription to a topic. It has no Close method: that is
// the bug.
type Subscription struct {
	topic string
	msgs  chan string
}

// Subscribe subscribes to topic. It leaks two goroutines per call: the
// manager ((*Subscription).run) and its heartbeat.
func Subscribe(topic string) *Subscription {
	s := &Subscription{topic: topic, msgs: make(chan string)}
	s.start()
	return s
}

// start launches the manager goroutine; it is kept out of line so that the
// go statement sits in a function of its own, as in real libraries.
//
//go:noinline
func (s *Subscription) start() {
	go s.run()
}

// run is the manager: it starts the heartbeat, then waits for messages that
// never come.
func (s *Subscription) run() {
	go s.heartbeat()
	for m := range s.msgs {
		_ = m
	}
}

// heartbeat ticks once an hour, forever.
func (s *Subscription) heartbeat() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for range t.C {
	}
}
