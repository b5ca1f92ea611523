package main

import (
	"sync"

	"example.com/tracked/vendorlib"
)

// leaksUp counts the two components that have subscribed.
var leaksUp sync.WaitGroup

// startLeaks is scenario 3, the leak in a dependency: two long-lived
// components subscribe through vendorlib, which leaks a manager and a
// heartbeat goroutine per subscription (plain go statements, no tracker).
func startLeaks() {
	leaksUp.Add(2)
	go startAuditLog()
	go startMetrics()
	leaksUp.Wait()
}

// startAuditLog subscribes to three topics, then keeps running.
func startAuditLog() {
	for _, topic := range []string{"audit/users", "audit/orders", "audit/billing"} {
		vendorlib.Subscribe(topic)
	}
	leaksUp.Done()
	<-forever
}

// startMetrics subscribes to two topics, then keeps running.
func startMetrics() {
	vendorlib.Subscribe("metrics/interval")
	vendorlib.Subscribe("metrics/targets")
	leaksUp.Done()
	<-forever
}
