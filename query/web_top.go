package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// TopSeries is top taken one sample at a time by a face that decides when
// to sample (the web view's Sample button and its timer) instead of Top's
// loop: it keeps the last samples and what each cost the target, and
// answers the same documents as Top over them.
type TopSeries struct {
	window   int
	samples  []model.Sample
	seq      int
	pause    time.Duration // the last sample's
	maxPause time.Duration
	// paused sums the pauses of the samples after the first; since is
	// when the first sample let the target run (zero: not yet), resumed
	// when the last one did.
	paused         time.Duration
	since, resumed time.Time
}

// NewTopSeries returns an empty series keeping the last window samples
// (0: DefaultTopWindow, as top at the prompt).
func NewTopSeries(window int) *TopSeries {
	if window <= 0 {
		window = DefaultTopWindow
	}
	return &TopSeries{window: window}
}

// ErrSameSample is returned by TopSeries.Add for the snapshot already
// sampled last: the target has not run since.
var ErrSameSample = errors.New("the target has not run since the last sample: sample while it runs (every N s), or continue it first")

// Len is how many samples the series keeps.
func (s *TopSeries) Len() int { return len(s.samples) }

// Samples returns the kept samples, oldest first.
func (s *TopSeries) Samples() []model.Sample { return slices.Clone(s.samples) }

// Last is the newest sample's snapshot, or nil.
func (s *TopSeries) Last() *model.Snapshot {
	if len(s.samples) == 0 {
		return nil
	}
	return s.samples[len(s.samples)-1].Snapshot
}

// Add keeps sample, which stopped the target for pause (0 when the target
// was stopped already) and after which the target ran again at resumed
// (zero: it was left stopped).
func (s *TopSeries) Add(sample model.Sample, pause time.Duration, resumed time.Time) error {
	if sample.Snapshot == nil {
		return errors.New("a sample needs its goroutines read")
	}
	if sample.Snapshot == s.Last() {
		return ErrSameSample
	}
	s.seq++
	sample.Name = strconv.Itoa(s.seq)
	s.samples = append(s.samples, sample)
	if len(s.samples) > s.window {
		s.samples = s.samples[1:]
	}
	if !s.since.IsZero() {
		s.paused += pause
	}
	s.pause, s.maxPause = pause, max(s.maxPause, pause)
	if !resumed.IsZero() {
		if s.since.IsZero() {
			s.since = resumed
		}
		s.resumed = resumed
	}
	return nil
}

// Doc answers the top document over the kept samples, grouped by group
// (and labelKey) as top's -group: the trend top at the prompt computes
// from the same samples, and the last sample's pause and the share of the
// time the target ran since sampling let it run. limit cuts the groups
// shown (0: all). It fails with chains.ErrTooFewSamples before the first
// sample.
func (s *TopSeries) Doc(group, labelKey string, limit int) (*TopDoc, error) {
	if len(s.samples) == 0 {
		return nil, chains.ErrTooFewSamples
	}
	key, err := parseTrendKey(group, labelKey)
	if err != nil {
		return nil, err
	}
	d, err := topDoc(s.samples, key, labelKey)
	if err != nil {
		return nil, err
	}
	last := s.samples[len(s.samples)-1]
	d.Seq, d.TakenAt, d.limit = s.seq, last.TakenAt, limit
	if n := len(s.samples); n > 1 {
		d.Interval = last.TakenAt.Sub(s.samples[n-2].TakenAt)
	}
	d.Pause, d.MaxPause = s.pause, s.maxPause
	d.DutyCycle = 1
	if total := s.resumed.Sub(s.since); total > 0 {
		d.DutyCycle = 1 - float64(s.paused)/float64(total)
	}
	if d.Interval > 0 {
		if share := float64(s.pause) / float64(d.Interval); share > maxDuty {
			d.Warning = fmt.Sprintf("this sample stopped the target for %s, %.0f%% of the time since the last one (more than %.0f%%): sample less often",
				render.HumanDuration(s.pause), 100*share, 100*maxDuty)
		}
	}
	if len(s.samples) == 1 {
		d.notef("one sample: counts only; a trend needs two samples, verdicts three")
	} else if len(s.samples) == 2 {
		d.notef("two samples: changes only; verdicts need three")
	}
	return d, nil
}

// SampleNow reads the current snapshot as a sample for a TopSeries,
// stamped as diff stamps it (when the target stopped, as far as the
// Querier saw it).
func (q *Querier) SampleNow(ctx context.Context) (model.Sample, error) {
	return q.sampleNow(ctx, "")
}

// TopOne answers what top can say of the one snapshot at this stop (a
// core, or a target that does not run): the groups' counts, no trend.
func (q *Querier) TopOne(ctx context.Context, group, labelKey string, limit int) (*TopDoc, error) {
	s, err := q.sampleNow(ctx, "core")
	if err != nil {
		return nil, err
	}
	series := NewTopSeries(1)
	if err := series.Add(s, 0, time.Time{}); err != nil {
		return nil, err
	}
	d, err := series.Doc(group, labelKey, limit)
	if err != nil {
		return nil, err
	}
	d.Seq = 0
	d.notes = notes{}
	d.notef("one snapshot (a core is one moment): counts per group only; a trend needs samples of a live target")
	return d, nil
}

// TopView is a top document as a browser shows it: per group the counts
// over the kept samples (its sparkline's points) and the columns top
// prints at the prompt, with the same numbers.
type TopView struct {
	// Seq numbers the last sample (0: a core's one snapshot); Samples is
	// how many the trend covers, SampleTimes when each was taken.
	Seq         int         `json:"seq"`
	Samples     int         `json:"samples"`
	SampleTimes []time.Time `json:"sample_times"`
	By          string      `json:"by"`
	Goroutines  int         `json:"goroutines"`
	// IntervalNs is the time since the sample before; PauseNs what the
	// last sample stopped the target for, MaxPauseNs the longest;
	// DutyCycle the share of the time the target ran while sampled.
	IntervalNs time.Duration  `json:"interval_ns"`
	PauseNs    time.Duration  `json:"pause_ns"`
	MaxPauseNs time.Duration  `json:"max_pause_ns"`
	DutyCycle  float64        `json:"duty_cycle"`
	Warning    string         `json:"warning"`
	Groups     []TopGroupView `json:"groups"`
	// MoreGroups counts the groups past the limit.
	MoreGroups int `json:"more_groups"`
	// Hot and Stuck count the goroutines running (or runnable) in every
	// sample and those waiting at the same pc in every one, over all
	// groups.
	Hot      int      `json:"hot"`
	Stuck    int      `json:"stuck"`
	Verdicts []string `json:"verdicts"`
	Notes    []string `json:"notes"`
}

// TopGroupView is one group's row of top.
type TopGroupView struct {
	Key string `json:"key"`
	// Counts are the group's size in each sample, oldest first.
	Counts []int `json:"counts"`
	// Count is the last; Delta, New and Ended are the change over the last
	// interval (0 with one sample).
	Count int `json:"count"`
	Delta int `json:"delta"`
	New   int `json:"new"`
	Ended int `json:"ended"`
	// Sparkline is top's TREND column.
	Sparkline string `json:"sparkline"`
	States    string `json:"states"`
	Verdict   string `json:"verdict"`
	Why       string `json:"why"`
	Hot       int    `json:"hot"`
	Stuck     int    `json:"stuck"`
}

// View returns the document as TopView, with the numbers render.Top
// prints.
func (d *TopDoc) View() TopView {
	tr := d.Trend
	n := len(tr.Samples)
	v := TopView{Seq: d.Seq, Samples: n, By: tr.By, Goroutines: tr.Samples[n-1].Goroutines, IntervalNs: d.Interval,
		PauseNs: d.Pause, MaxPauseNs: d.MaxPause, DutyCycle: d.DutyCycle, Warning: d.Warning,
		Groups: []TopGroupView{}, Verdicts: []string{}, Notes: append([]string{}, d.Notes()...)}
	for _, s := range tr.Samples {
		v.SampleTimes = append(v.SampleTimes, s.TakenAt)
	}
	for i, g := range tr.Groups {
		v.Hot += len(g.Hot)
		v.Stuck += len(g.Stuck)
		if d.limit > 0 && i >= d.limit {
			v.MoreGroups++
			continue
		}
		row := TopGroupView{Key: g.Key, Counts: slices.Clone(g.Counts), Count: g.After, Sparkline: render.Sparkline(g.Counts),
			States: statesText(g.States), Verdict: g.Verdict, Why: g.Why, Hot: len(g.Hot), Stuck: len(g.Stuck)}
		if n > 1 {
			row.Delta = g.Counts[n-1] - g.Counts[n-2]
			row.New, row.Ended = g.NewPer[n-2], g.EndedPer[n-2]
		}
		v.Groups = append(v.Groups, row)
	}
	for _, vd := range tr.Verdicts {
		v.Verdicts = append(v.Verdicts, vd.Text)
	}
	return v
}

// statesText counts states as top's STATES column does ("3 chan receive,
// 1 running"), the exact strings (a page shows them as text).
func statesText(states map[string]int) string {
	if len(states) == 0 {
		return "-"
	}
	names := make([]string, 0, len(states))
	for s := range states {
		names = append(names, s)
	}
	slices.SortFunc(names, func(a, b string) int {
		if states[a] != states[b] {
			return states[b] - states[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(names))
	for i, s := range names {
		parts[i] = strconv.Itoa(states[s]) + " " + s
	}
	return strings.Join(parts, ", ")
}
