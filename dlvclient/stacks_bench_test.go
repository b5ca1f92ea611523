package dlvclient_test

// BenchmarkStacks times what -group origin and -group stack add to ps on a
// core of testdata/many: reading every goroutine's stack (Session.Stacks,
// several calls in flight) and, for origin, the disassembly of the spawn
// call sites (Session.IndirectCalls). One call in flight is timed as well,
// for comparison:
//
//	go test -bench Stacks -run '^$' -benchtime 3x ./dlvclient/

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

func BenchmarkStacks(b *testing.B) {
	exe := testutil.BuildTarget(b, "many")
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			core, _ := testutil.CrashCore(b, exe, []string{"-n", strconv.Itoa(n)}, nil)
			s, err := dlvclient.OpenCore(exe, core)
			require.NoError(b, err)
			defer s.Close()
			ctx := context.Background()
			snap, err := s.Snapshot(ctx, nil)
			require.NoError(b, err)
			ids := make([]int64, len(snap.Goroutines))
			for i := range snap.Goroutines {
				ids[i] = snap.Goroutines[i].ID
			}
			b.Run("stacks", func(b *testing.B) {
				for range b.N {
					st := s.Stacks(ctx, ids, dlvclient.WholeStackDepth)
					require.Len(b, st, len(ids))
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ids)), "µs/goroutine")
			})
			b.Run("one-in-flight", func(b *testing.B) {
				for range b.N {
					for _, id := range ids {
						_, _, err := s.StackCut(id, dlvclient.WholeStackDepth)
						require.NoError(b, err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ids)), "µs/goroutine")
			})
			stacks := s.Stacks(ctx, ids, dlvclient.WholeStackDepth)
			b.Run("indirect-calls", func(b *testing.B) {
				for range b.N {
					s.IndirectCalls(chains.SpawnCallSites(snap.Goroutines, stacks))
				}
			})
		})
	}
}
