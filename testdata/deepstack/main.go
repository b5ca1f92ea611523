// Command deepstack is a debugger test target with a deep stack: an
// evaluator walks a deeply nested expression recursively, and at the
// innermost level waits for a variable's value on a channel that nobody
// sends on, so its goroutine is parked -depth frames deep (plus a few). A
// second goroutine evaluates a shallow expression and parks the same way; a
// third reports progress once an hour.
//
// Once both are parked, main calls ready() (break on main.ready), prints
// "READY <pid>" and blocks forever in select{}.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"
)

// expr is an expression: a sum of its operands plus a named variable.
type expr struct {
	name     string
	operands []*expr
}

// env resolves variables; a lookup waits until the value is sent.
type env struct {
	values chan int
	parked *sync.WaitGroup
}

func (e *env) lookup(name string) int {
	e.parked.Done()
	return <-e.values
}

func eval(x *expr, e *env) int {
	sum := 0
	for _, op := range x.operands {
		sum += eval(op, e)
	}
	if x.name != "" {
		sum += e.lookup(x.name)
	}
	return sum
}

// nested builds an expression nested depth levels deep, with its one
// variable at the bottom.
func nested(depth int) *expr {
	x := &expr{name: "x"}
	for i := 0; i < depth; i++ {
		x = &expr{operands: []*expr{x}}
	}
	return x
}

//go:noinline
func ready() {}

func main() {
	depth := flag.Int("depth", 200, "nesting depth of the deep expression")
	flag.Parse()
	var parked sync.WaitGroup
	e := &env{values: make(chan int), parked: &parked}
	parked.Add(2)
	go func() { fmt.Println(eval(nested(*depth), e)) }()
	go func() { fmt.Println(eval(nested(2), e)) }()
	go func() {
		for range time.Tick(time.Hour) {
			fmt.Fprintln(os.Stderr, "still waiting for x")
		}
	}()
	parked.Wait()
	ready()
	fmt.Println("READY", os.Getpid())
	select {}
}
