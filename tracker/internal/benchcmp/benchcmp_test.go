// Package benchcmp compares tracker against golang.org/x/sync/errgroup. It is a separate
// module so that the tracker module itself stays free of dependencies.
package benchcmp

import (
	"context"
	"runtime/pprof"
	"sync"
	"testing"

	"github.com/dlv-tasks/dlv-tasks/tracker"
	"golang.org/x/sync/errgroup"
)

const batch = 1000

func BenchmarkSpawnGo(b *testing.B) {
	b.ReportAllocs()
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
		if i%batch == batch-1 {
			wg.Wait()
		}
	}
	wg.Wait()
}

func BenchmarkSpawnGoPprofDo(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pprof.Do(ctx, pprof.Labels("task", "bench", "task.id", "12345"), func(context.Context) {})
		}()
		if i%batch == batch-1 {
			wg.Wait()
		}
	}
	wg.Wait()
}

func BenchmarkSpawnErrgroup(b *testing.B) {
	b.ReportAllocs()
	fn := func() error { return nil }
	g, _ := errgroup.WithContext(context.Background())
	for i := 0; i < b.N; i++ {
		g.Go(fn)
		if i%batch == batch-1 {
			_ = g.Wait()
			g, _ = errgroup.WithContext(context.Background())
		}
	}
	_ = g.Wait()
}

func BenchmarkSpawnTrackerGo(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	var wg sync.WaitGroup
	fn := func(context.Context) error { wg.Done(); return nil }
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		tracker.Go(ctx, "bench", fn)
		if i%batch == batch-1 {
			wg.Wait()
		}
	}
	wg.Wait()
}

func BenchmarkSpawnTrackerGroupGo(b *testing.B) {
	b.ReportAllocs()
	fn := func(context.Context) error { return nil }
	g, _ := tracker.NewGroup(context.Background(), "bench")
	for i := 0; i < b.N; i++ {
		g.Go("bench", fn)
		if i%batch == batch-1 {
			_ = g.Wait()
			g, _ = tracker.NewGroup(context.Background(), "bench")
		}
	}
	_ = g.Wait()
}
