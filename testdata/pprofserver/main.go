// Command pprofserver is a small service that exposes net/http/pprof on a
// loopback port, as many production services do. It starts a dispatcher
// that spawns -workers queue workers (each labelled with pprof.Do:
// queue=<name>, worker=<i>) and one janitor that sleeps between sweeps.
//
// Once every worker is parked, it writes the server's address to
// -addr-file, prints "READY <pid>" and serves until killed.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

type job struct{ id int }

var (
	queue   = make(chan job)
	started sync.WaitGroup
)

func worker(ctx context.Context, name string, i int) {
	pprof.Do(ctx, pprof.Labels("queue", name, "worker", strconv.Itoa(i)), func(context.Context) {
		started.Done()
		for j := range queue {
			_ = j
		}
	})
}

func dispatcher(n int) {
	for i := 0; i < n; i++ {
		go worker(context.Background(), "ingest", i)
	}
	started.Done()
	select {}
}

func janitor() {
	started.Done()
	for {
		time.Sleep(time.Hour)
	}
}

func main() {
	workers := flag.Int("workers", 5, "number of queue workers")
	addrFile := flag.String("addr-file", "", "write the server's host:port here once ready")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pprofserver:", err)
		os.Exit(1)
	}
	started.Add(*workers + 2)
	go dispatcher(*workers)
	go janitor()
	go http.Serve(ln, nil)
	started.Wait()
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "pprofserver:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("READY %d\n", os.Getpid())
	select {}
}
