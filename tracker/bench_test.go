package tracker

import (
	"context"
	"runtime/pprof"
	"sync"
	"testing"
)

// Spawn+exit benchmarks: each op starts one empty task; every batch ops the benchmark
// waits for the batch, so at most batch tasks are alive.
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

func BenchmarkSpawnTrackerGo(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	var wg sync.WaitGroup
	fn := func(context.Context) error { wg.Done(); return nil }
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		Go(ctx, "bench", fn)
		if i%batch == batch-1 {
			wg.Wait()
		}
	}
	wg.Wait()
}

func BenchmarkSpawnGroupGo(b *testing.B) {
	b.ReportAllocs()
	fn := func(context.Context) error { return nil }
	g, _ := NewGroup(context.Background(), "bench")
	for i := 0; i < b.N; i++ {
		g.Go("bench", fn)
		if i%batch == batch-1 {
			_ = g.Wait()
			g, _ = NewGroup(context.Background(), "bench")
		}
	}
	_ = g.Wait()
}

func BenchmarkCancelContext(b *testing.B) {
	b.ReportAllocs()
	parent, stop := context.WithCancel(context.Background())
	defer stop()
	for i := 0; i < b.N; i++ {
		_, cancel := context.WithCancel(parent)
		cancel()
	}
}

func BenchmarkCancelTracker(b *testing.B) {
	b.ReportAllocs()
	parent, stop := context.WithCancel(context.Background())
	defer stop()
	for i := 0; i < b.N; i++ {
		_, cancel := WithCancel(parent)
		cancel()
	}
}

// BenchmarkCancelTrackerNoParentDone is the common case of a root context (no AfterFunc).
func BenchmarkCancelTrackerRoot(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, cancel := WithCancel(context.Background())
		cancel()
	}
}

func BenchmarkRecordEnd(b *testing.B) {
	b.ReportAllocs()
	lr := &taskRecord{id: 1, nameLen: 5, npcs: 8}
	ei := &endInfo{outcome: outcomeReturned, endNanos: 1}
	for i := 0; i < b.N; i++ {
		recordEnd(lr, -1, ei)
	}
}
