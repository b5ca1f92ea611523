// Command biglabels is an ingest service that tags its request handlers
// with profiler labels generously: one carries the whole request body as a
// label, one a label per field of a very wide record, the others a tenant
// and a route. Every handler waits for its upstream, which never answers.
// It prints "READY <pid>" once they all wait.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

var (
	upstream = make(chan []byte)
	waiting  sync.WaitGroup
)

// handle waits for the upstream's answer to one request.
func handle(ctx context.Context, route string) {
	waiting.Done()
	select {
	case b := <-upstream:
		_ = b
	case <-ctx.Done():
	}
}

// serve starts a handler for route with labels on its context.
func serve(labels pprof.LabelSet, route string) {
	waiting.Add(1)
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		go handle(ctx, route)
	})
}

func main() {
	// The service listens, as any does (and so is never deadlocked).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "biglabels:", err)
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

	// A request body of 70 000 bytes kept as a label.
	body := strings.Repeat("{\"event\":\"click\"}", 70000/17+1)
	serve(pprof.Labels("route", "/ingest", "body", body), "/ingest")

	// A record of 1 100 fields, one label each.
	var fields []string
	for i := range 1100 {
		fields = append(fields, fmt.Sprintf("field%04d", i), fmt.Sprintf("v%d", i))
	}
	serve(pprof.Labels(fields...), "/wide")

	// Ordinary handlers.
	serve(pprof.Labels("route", "/health", "tenant", "acme"), "/health")
	serve(pprof.Labels("route", "/metrics"), "/metrics")

	waiting.Wait()
	settle()
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}

// settle waits until no goroutine but main is running or runnable.
func settle() {
	buf := make([]byte, 1<<22)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		runtime.Gosched()
		n := runtime.Stack(buf, true)
		if strings.Count(string(buf[:n]), "[running]")+strings.Count(string(buf[:n]), "[runnable]") <= 1 {
			return
		}
	}
	fmt.Fprintln(os.Stderr, "biglabels: handlers did not block")
	os.Exit(1)
}
