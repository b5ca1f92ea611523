package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
)

// Diff writes a comparison of samples: a header naming the first and the
// last sample, the verdicts, then one row a group — BEFORE, AFTER, CHANGE,
// RATE, NEW, ENDED, STUCK, VERDICT, KEY — largest growth first, and, with
// the tracker, the task names and what ended or was cancelled in between.
// limit cuts the groups shown (0: all).
func Diff(w io.Writer, tr *chains.Trend, limit int) error {
	first, last := tr.Samples[0], tr.Samples[len(tr.Samples)-1]
	fmt.Fprintf(w, "diff %s → %s: %s apart, %+d goroutines (%d → %d), by %s\n",
		sampleName(first), sampleName(last), HumanDuration(tr.Elapsed), last.Goroutines-first.Goroutines,
		first.Goroutines, last.Goroutines, tr.By)
	writeVerdicts(w, tr.Verdicts)
	t := Table{Columns: []Column{{Header: "BEFORE", Kind: ColFixed}, {Header: "AFTER", Kind: ColFixed},
		{Header: "CHANGE", Kind: ColFixed}, {Header: "RATE", Kind: ColFixed}, {Header: "NEW", Kind: ColFixed},
		{Header: "ENDED", Kind: ColFixed}, {Header: "STUCK", Kind: ColFixed}, {Header: "VERDICT", Kind: ColFixed},
		{Header: "KEY"}}}
	for i, g := range tr.Groups {
		if limit > 0 && i == limit {
			break
		}
		t.Add(strconv.Itoa(g.Before), strconv.Itoa(g.After), fmt.Sprintf("%+d", g.Growth()),
			chains.RateText(g.RatePerSec, g.Growth(), tr.Elapsed), strconv.Itoa(len(g.New)),
			strconv.Itoa(len(g.Ended)), strconv.Itoa(len(g.Stuck)), g.Verdict, Safe(ShortKey(g.Key)))
	}
	if err := t.Write(w, Plain); err != nil {
		return err
	}
	if limit > 0 && len(tr.Groups) > limit {
		fmt.Fprintf(w, "… %d more groups\n", len(tr.Groups)-limit)
	}
	if len(tr.Tasks) > 0 {
		tt := Table{Columns: []Column{{Header: "LIVE", Kind: ColFixed}, {Header: "ENDED", Kind: ColFixed},
			{Header: "VERDICT", Kind: ColFixed}, {Header: "TASK"}}}
		for _, task := range tr.Tasks {
			tt.Add(fmt.Sprintf("%d → %d", task.Live[0], task.Live[len(task.Live)-1]), strconv.Itoa(task.Ended), task.Verdict, task.Name)
		}
		fmt.Fprintln(w, "tracker tasks:")
		if err := tt.Write(w, Plain); err != nil {
			return err
		}
	}
	if len(tr.EndedTasks) > 0 || len(tr.Cancellations) > 0 {
		fmt.Fprintf(w, "in between: %s ended, %s cancelled\n", plural(len(tr.EndedTasks), "task"), plural(len(tr.Cancellations), "context"))
		for i, e := range tr.EndedTasks {
			if i == 10 {
				fmt.Fprintf(w, "  … %d more (ps -terminated lists them)\n", len(tr.EndedTasks)-10)
				break
			}
			fmt.Fprintf(w, "  t:%d %s %s %s\n", e.Task.ID, e.Task.Name, e.Outcome, e.Ended.Format("15:04:05.000"))
		}
	}
	return nil
}

func sampleName(s chains.SampleInfo) string {
	name := s.Name
	if name == "" {
		name = "sample"
	}
	if s.TakenAt.IsZero() {
		return name
	}
	return name + " (" + s.TakenAt.Format("15:04:05.000") + ")"
}

func writeVerdicts(w io.Writer, vs []chains.Verdict) {
	for _, v := range vs {
		fmt.Fprintf(w, "  %s\n", Safe(v.Text))
	}
}

// sparkLevels are the bars of a sparkline, lowest first.
var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws counts as bars scaled between their minimum and maximum
// (all equal: the middle bar).
func Sparkline(counts []int) string {
	if len(counts) == 0 {
		return ""
	}
	lo, hi := counts[0], counts[0]
	for _, c := range counts {
		lo, hi = min(lo, c), max(hi, c)
	}
	var b strings.Builder
	for _, c := range counts {
		i := len(sparkLevels) / 2
		if hi > lo {
			i = (c - lo) * (len(sparkLevels) - 1) / (hi - lo)
		}
		b.WriteRune(sparkLevels[i])
	}
	return b.String()
}

// TopSample is what one top sample shows besides the trend over the kept
// window.
type TopSample struct {
	Seq      int
	Interval time.Duration
	// Pause is what this sample stopped the target for; MaxPause the
	// longest so far; DutyCycle the fraction of the time the target ran.
	Pause, MaxPause time.Duration
	DutyCycle       float64
	Warning         string
}

// Top writes one top screen: the header with the pause and the duty cycle,
// one row a group — COUNT, Δ (last interval), TREND (sparkline), NEW and
// ENDED (last interval), STATES, VERDICT, KEY — then the hot and stuck
// goroutines and the verdicts. limit cuts the groups shown (0: all).
func Top(w io.Writer, s TopSample, tr *chains.Trend, limit int) error {
	n := len(tr.Samples)
	fmt.Fprintf(w, "top: sample %d, every %s, by %s: %d goroutines; this sample paused the target %s (max %s), it ran %.1f%% of the time\n",
		s.Seq, HumanDuration(s.Interval), tr.By, tr.Samples[n-1].Goroutines, HumanDuration(s.Pause), HumanDuration(s.MaxPause), 100*s.DutyCycle)
	if s.Warning != "" {
		fmt.Fprintf(w, "warning: %s\n", s.Warning)
	}
	t := Table{Columns: []Column{{Header: "COUNT", Kind: ColFixed}, {Header: "Δ", Kind: ColFixed},
		{Header: "TREND", Kind: ColFixed}, {Header: "NEW", Kind: ColFixed}, {Header: "ENDED", Kind: ColFixed},
		{Header: "STATES"}, {Header: "VERDICT", Kind: ColFixed}, {Header: "KEY"}}}
	var hot, stuck int
	for i, g := range tr.Groups {
		hot += len(g.Hot)
		stuck += len(g.Stuck)
		if limit > 0 && i >= limit {
			continue
		}
		delta, nw, ended := 0, 0, 0
		if n > 1 {
			delta = g.Counts[n-1] - g.Counts[n-2]
			nw, ended = g.NewPer[n-2], g.EndedPer[n-2]
		}
		t.Add(strconv.Itoa(g.After), fmt.Sprintf("%+d", delta), Sparkline(g.Counts), strconv.Itoa(nw),
			strconv.Itoa(ended), statesText(g.States), g.Verdict, Safe(ShortKey(g.Key)))
	}
	if err := t.Write(w, Plain); err != nil {
		return err
	}
	if limit > 0 && len(tr.Groups) > limit {
		fmt.Fprintf(w, "… %d more groups\n", len(tr.Groups)-limit)
	}
	if n > 1 {
		fmt.Fprintf(w, "over %s: %s hot (running or runnable in every sample), %s stuck (same pc, still waiting)\n",
			plural(n, "sample"), plural(hot, "goroutine"), plural(stuck, "goroutine"))
	}
	writeVerdicts(w, tr.Verdicts)
	return nil
}
