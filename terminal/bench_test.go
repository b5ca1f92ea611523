package terminal

import (
	"fmt"
	"io"
	"testing"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// BenchmarkTrackerCommands measures, inside an open session (the cost every
// command shares — starting the process, opening the core — left out), what
// ps, ps-terminated and where-terminated cost on one kernel core of
// testdata/tracked with 10,000 live tasks and a full 1,000-record history.
// Each iteration opens a fresh session (not timed), since a session keeps
// what it read until the target runs.
func BenchmarkTrackerCommands(b *testing.B) {
	const tasks, ended = 10000, 1000
	exe := testutil.BuildTarget(b, "tracked")
	core, _ := testutil.CrashCore(b, exe, []string{"-tasks", fmt.Sprint(tasks), "-ended", fmt.Sprint(ended)}, nil)
	// Task ids follow start order: ended batch items, the extra idle tasks,
	// then the scenarios; chain-grand-exited is the 11th scenario task.
	wt := fmt.Sprintf("where-terminated t:%d", ended+tasks+11)
	for _, cmd := range []string{"ps", "ps-terminated", wt} {
		b.Run(cmd, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s, err := dlvclient.OpenCore(exe, core)
				if err != nil {
					b.Fatal(err)
				}
				term := New(s, io.Discard, io.Discard)
				b.StartTimer()
				if err := term.Execute(cmd); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
		})
	}
}
