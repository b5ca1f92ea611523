//go:build untracked

package main

import (
	"context"
	"flag"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// withLabels makes the untracked build label its goroutines as the tracker
// does (task=name, task.id=N, with pprof.Do), to tell the cost of reading
// labels from the cost of reading the tracker.
var withLabels = flag.Bool("labels", false, "untracked build only: set the tracker's pprof labels task and task.id")

// lastID numbers the goroutines for the task.id label.
var lastID atomic.Uint64

// option stands for the tracker's task option; it does nothing here.
type option struct{}

// The same names as in backend_tracker.go, implemented with package context
// and plain go statements: the untracked build of the same program.
var (
	withCancel      = context.WithCancel
	withCancelCause = context.WithCancelCause
	withTimeout     = context.WithTimeout
)

// preserve is a no-op without the tracker.
func preserve() option { return option{} }

// running counts, by task name, the goroutines goTask started that have not
// returned yet (for waitEnded).
var running = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

// goTask runs fn in a plain goroutine; name only feeds waitEnded.
func goTask(ctx context.Context, name string, fn func(ctx context.Context) error, _ ...option) {
	running.Lock()
	running.n[name]++
	running.Unlock()
	id := lastID.Add(1)
	go func() {
		defer func() {
			running.Lock()
			running.n[name]--
			running.Unlock()
		}()
		if !*withLabels {
			_ = fn(ctx)
			return
		}
		pprof.Do(ctx, pprof.Labels("task", name, "task.id", strconv.FormatUint(id, 10)), func(ctx context.Context) {
			_ = fn(ctx)
		})
	}()
}

// taskGroup is what the scenarios use of a tracker group.
type taskGroup interface {
	Go(name string, fn func(ctx context.Context) error, opts ...option)
}

// plainGroup is a persistent group without the tracker: tasks share a
// cancelable context and nothing else.
type plainGroup struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// newPersistentGroup returns a plainGroup.
func newPersistentGroup(ctx context.Context, _ string) taskGroup {
	g := &plainGroup{}
	g.ctx, g.cancel = context.WithCancel(ctx)
	return g
}

// Go runs fn in a plain goroutine with the group's context.
func (g *plainGroup) Go(name string, fn func(ctx context.Context) error, opts ...option) {
	goTask(g.ctx, name, fn, opts...)
}

// waitEnded blocks until every goroutine goTask started under name has
// returned from its function.
func waitEnded(name string) {
	for {
		running.Lock()
		n := running.n[name]
		running.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// settle has nothing to wait for without the tracker.
func settle() {}
