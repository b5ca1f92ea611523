package chains

import (
	"fmt"
	"testing"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// syntheticSnapshot builds n goroutines over 50 creation sites, ids from
// first; every seventh is running, the others wait in a channel receive.
func syntheticSnapshot(n int, first int64) *model.Snapshot {
	s := &model.Snapshot{Goroutines: make([]model.Goroutine, n)}
	for i := range s.Goroutines {
		line := 100 + i%50
		g := site(first+int64(i), fmt.Sprintf("main.worker%d", i%50), line, model.StatusWaiting, "chan receive")
		if i%7 == 0 {
			g.Status, g.WaitReason = model.StatusRunning, ""
		}
		s.Goroutines[i] = g
	}
	return s
}

// BenchmarkCompare100k compares two snapshots of 100k goroutines, 10k of
// which ended and 10k started in between.
func BenchmarkCompare100k(b *testing.B) {
	a := model.Sample{TakenAt: t0, Snapshot: syntheticSnapshot(100_000, 1)}
	c := model.Sample{TakenAt: t0.Add(time.Second), Snapshot: syntheticSnapshot(100_000, 10_001)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare([]model.Sample{a, c}, GroupByCreation, ""); err != nil {
			b.Fatal(err)
		}
	}
}
