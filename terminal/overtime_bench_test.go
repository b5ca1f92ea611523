package terminal

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dlv-tasks/dlv-tasks/dlvclient"
	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
)

// BenchmarkTopSample20k measures what one top sample costs a target of
// 20,000 goroutines (testdata/growth -idle 20000): the pause as top measures
// it (halt asked → continue sent) and as the target itself saw it (the
// longest gap between two ticks of its 1 ms meter during top's samples).
// Each iteration is one `top -n 5 -interval 2s`; the first sample's gap,
// which spans the stop before top began, is left out.
func BenchmarkTopSample20k(b *testing.B) {
	exe := testutil.BuildTarget(b, "growth")
	tg := testutil.StartTracedTarget(b, exe, []string{"-idle", "20000", "-leak", "1"}, nil)
	s, err := dlvclient.Attach(tg.Pid)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var out strings.Builder
	term := New(s, &out, &strings.Builder{})
	var topMax, targetMax time.Duration
	var topSum time.Duration
	samples := 0
	for b.Loop() {
		before := gapCount(b, s)
		out.Reset()
		if err := term.Execute("top -n 5 -interval 2s -json"); err != nil {
			b.Fatal(err)
		}
		if err := term.haltBackground(); err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var d topLine
			if err := json.Unmarshal([]byte(line), &d); err != nil {
				b.Fatal(err)
			}
			if d.Seq > 1 {
				topMax = max(topMax, d.PauseNs)
				topSum += d.PauseNs
				samples++
			}
		}
		after := gapCount(b, s)
		// Gaps before+1 .. after: the first spans the stop before top.
		for i := before + 2; i <= after; i++ {
			g := evalInt(b, s, fmt.Sprintf("main.gaps[%d]", (i-1)%256))
			targetMax = max(targetMax, time.Duration(g))
		}
	}
	b.ReportMetric(float64(topMax)/1e6, "top-max-pause-ms")
	b.ReportMetric(float64(topSum)/float64(max(samples, 1))/1e6, "top-mean-pause-ms")
	b.ReportMetric(float64(targetMax)/1e6, "target-max-gap-ms")
}

func gapCount(b *testing.B, s *dlvclient.Session) int64 { return evalInt(b, s, "main.gapCount") }

func evalInt(b *testing.B, s *dlvclient.Session, expr string) int64 {
	b.Helper()
	v, err := s.Eval(-1, 0, expr)
	if err != nil {
		b.Fatalf("eval %s: %v", expr, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		b.Fatalf("eval %s = %q: %v", expr, v, err)
	}
	return n
}
