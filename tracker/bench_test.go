package tracker

import (
	"context"
	"runtime/pprof"
	"sync"
	"testing"
	"time"
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
		spawnPprofDo(ctx, &wg)
		if i%batch == batch-1 {
			wg.Wait()
		}
	}
	wg.Wait()
}

// spawnPprofDo is the baseline spawn: a goroutine running an empty function under
// pprof.Do with the two labels a tracked task gets.
func spawnPprofDo(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		pprof.Do(ctx, pprof.Labels("task", "bench", "task.id", "12345"), func(context.Context) {})
	}()
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

// BenchmarkSpawnRatio measures tracker.Go against go + pprof.Do paired: batches of
// 1000 spawns of each alternate (in alternating order), so that both see the same
// moment of a noisy machine, and it reports each one's ns per spawn and their ratio
// ("tracker/pprofDo"); ns/op covers one spawn of each. GC cycles land in whichever
// batch triggers them, so the tracker's larger allocations are partly charged to
// pprof.Do (a few ns; the unpaired benchmarks above do not have this bias).
func BenchmarkSpawnRatio(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	var wg sync.WaitGroup
	fn := func(context.Context) error { wg.Done(); return nil }
	runPprof := func(n int) time.Duration {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			spawnPprofDo(ctx, &wg)
		}
		wg.Wait()
		return time.Since(t0)
	}
	runTracker := func(n int) time.Duration {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			wg.Add(1)
			Go(ctx, "bench", fn)
		}
		wg.Wait()
		return time.Since(t0)
	}
	var tp, tt time.Duration
	for done, round := 0, 0; done < b.N; round++ {
		n := min(batch, b.N-done)
		if round%2 == 0 {
			tp += runPprof(n)
			tt += runTracker(n)
		} else {
			tt += runTracker(n)
			tp += runPprof(n)
		}
		done += n
	}
	b.ReportMetric(float64(tp.Nanoseconds())/float64(b.N), "pprofDo-ns/spawn")
	b.ReportMetric(float64(tt.Nanoseconds())/float64(b.N), "tracker-ns/spawn")
	b.ReportMetric(float64(tt)/float64(tp), "tracker/pprofDo")
}

// Parallel spawn benchmarks: with b.RunParallel every P runs a spawner (each waiting
// for its own batches), so ns/op is the inverse of the whole program's spawn
// throughput: with -cpu 1,2 they show how that throughput scales to two cores.
func BenchmarkSpawnParallelGoPprofDo(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		var wg sync.WaitGroup
		for i := 0; pb.Next(); i++ {
			spawnPprofDo(ctx, &wg)
			if i%batch == batch-1 {
				wg.Wait()
			}
		}
		wg.Wait()
	})
}

func BenchmarkSpawnParallelTrackerGo(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		var wg sync.WaitGroup
		fn := func(context.Context) error { wg.Done(); return nil }
		for i := 0; pb.Next(); i++ {
			wg.Add(1)
			Go(ctx, "bench", fn)
			if i%batch == batch-1 {
				wg.Wait()
			}
		}
		wg.Wait()
	})
}

func BenchmarkSpawnParallelGo(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var wg sync.WaitGroup
		for i := 0; pb.Next(); i++ {
			wg.Add(1)
			go func() { wg.Done() }()
			if i%batch == batch-1 {
				wg.Wait()
			}
		}
		wg.Wait()
	})
}
