package chains

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Growth verdicts of a group (or a tracker task name) over a series of
// samples.
const (
	// VerdictLeak: the group only grows, none of its goroutines ended, and
	// none of those seen twice moved: what a leak looks like.
	VerdictLeak = "leak suspect"
	// VerdictPileUp: the group grows while some of its instances do end:
	// new instances start before old ones end.
	VerdictPileUp = "pile-up"
	// VerdictHot: its goroutines were running or runnable in every sample.
	VerdictHot = "hot"
	// VerdictGrowing and VerdictShrinking: the count changed beyond noise
	// without the pattern of a leak or a pile-up.
	VerdictGrowing   = "growing"
	VerdictShrinking = "shrinking"
	// VerdictSteady: the count did not change beyond noise.
	VerdictSteady = "steady"
)

// ErrTooFewSamples is returned by Compare for fewer than two samples.
var ErrTooFewSamples = errors.New("a comparison needs at least two samples")

// GroupTrend is how one group changed over a series of samples.
type GroupTrend struct {
	// Key is the group's key, formatted as GroupGoroutines formats it.
	Key string `json:"key"`
	// Counts is the group's size in each sample, oldest first.
	Counts []int `json:"counts"`
	// Before and After are the first and the last count.
	Before int `json:"before"`
	After  int `json:"after"`
	// RatePerSec is the net change per second between the first and the
	// last sample (0 when no time passed between them).
	RatePerSec float64 `json:"rate_per_sec"`
	// New are the goroutines of the group that were not in the sample
	// before the one they appeared in; Ended those that were gone from the
	// sample after the last one they were in. Both ascending.
	New   []int64 `json:"new"`
	Ended []int64 `json:"ended"`
	// NewPer and EndedPer count New and Ended per interval (len(Counts)-1).
	NewPer   []int `json:"new_per_interval"`
	EndedPer []int `json:"ended_per_interval"`
	// Stuck are the group's goroutines present in every sample, waiting in
	// each with the same pc and the same wait reason.
	Stuck []int64 `json:"stuck"`
	// Hot are the group's goroutines present in every sample and running
	// or runnable in each.
	Hot []int64 `json:"hot"`
	// States counts the group's goroutines by State in the last sample.
	States map[string]int `json:"states"`
	// Verdict is one of the Verdict* constants; Why explains it in words.
	Verdict string `json:"verdict"`
	Why     string `json:"why"`
}

// Growth is the net change of the group's count, last sample minus first.
func (g *GroupTrend) Growth() int { return g.After - g.Before }

// TaskTrend is how the live tasks of one tracker task name changed.
type TaskTrend struct {
	Name string `json:"name"`
	// Live counts the live tasks of this name in each sample.
	Live []int `json:"live"`
	// Ended counts the tasks of this name that ended between the first and
	// the last sample.
	Ended      int     `json:"ended"`
	RatePerSec float64 `json:"rate_per_sec"`
	Verdict    string  `json:"verdict"`
}

// Verdict is one line of the summary a comparison ends with: a group (or
// task name) whose trend deserves a look.
type Verdict struct {
	// Kind is one of the Verdict* constants.
	Kind string `json:"kind"`
	// Subject is the group key, or "task NAME".
	Subject string `json:"subject"`
	// Text is the sentence shown to the user.
	Text string `json:"text"`
}

// SampleInfo describes one compared sample.
type SampleInfo struct {
	Name       string    `json:"name"`
	TakenAt    time.Time `json:"taken_at"`
	Goroutines int       `json:"goroutines"`
	// TargetPaused is how long the target stood still for the sample,
	// where that was measured (a low-pause snapshot); 0 otherwise.
	TargetPaused time.Duration `json:"target_paused_ns,omitempty"`
}

// Trend is the comparison of a series of samples of one target.
type Trend struct {
	// By names the group key.
	By      string        `json:"by"`
	Samples []SampleInfo  `json:"samples"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// Groups are ordered by growth, largest first, then by size.
	Groups []GroupTrend `json:"groups"`
	// Tasks, EndedTasks and Cancellations come from the tracker (empty
	// without it): task names by growth, the tasks that ended and the
	// contexts cancelled between the first and the last sample, newest
	// first.
	Tasks         []TaskTrend          `json:"tasks"`
	EndedTasks    []model.Termination  `json:"ended_tasks"`
	Cancellations []model.Cancellation `json:"cancellations"`
	// Verdicts are the leaks, pile-ups and hot groups, in that order.
	Verdicts []Verdict `json:"verdicts"`
}

// member is one goroutine's place in one sample.
type member struct {
	key string
	g   *model.Goroutine
}

// Compare compares samples of one target, oldest first, grouping their
// goroutines by key (labelKey names the label for GroupByLabel). Keys that
// need stacks are refused: a comparison reads no stack.
func Compare(samples []model.Sample, key GroupKey, labelKey string) (*Trend, error) {
	if len(samples) < 2 {
		return nil, ErrTooFewSamples
	}
	if key.NeedsStacks() {
		return nil, fmt.Errorf("a comparison cannot group by %s (it reads no stacks): use creation, location, start, label, parent, task or group", key)
	}
	for i, s := range samples {
		if s.Snapshot == nil {
			return nil, fmt.Errorf("sample %d has no snapshot", i)
		}
	}
	n := len(samples)
	by := key.String()
	if key == GroupByLabel {
		by += " " + labelKey
	}
	tr := &Trend{By: by, Elapsed: samples[n-1].TakenAt.Sub(samples[0].TakenAt)}
	members := make([]map[int64]member, n)
	for i, s := range samples {
		tr.Samples = append(tr.Samples, SampleInfo{Name: s.Name, TakenAt: s.TakenAt, Goroutines: len(s.Snapshot.Goroutines)})
		m := make(map[int64]member, len(s.Snapshot.Goroutines))
		for j := range s.Snapshot.Goroutines {
			g := &s.Snapshot.Goroutines[j]
			m[g.ID] = member{key: groupKey(g, key, labelKey), g: g}
		}
		members[i] = m
	}

	index := map[string]int{}
	group := func(k string) *GroupTrend {
		j, ok := index[k]
		if !ok {
			j = len(tr.Groups)
			index[k] = j
			tr.Groups = append(tr.Groups, GroupTrend{Key: k, Counts: make([]int, n),
				NewPer: make([]int, n-1), EndedPer: make([]int, n-1), States: map[string]int{}})
		}
		return &tr.Groups[j]
	}
	for i := range samples {
		for _, m := range members[i] {
			grp := group(m.key)
			grp.Counts[i]++
			if i == n-1 {
				grp.States[State(m.g)]++
			}
			if i > 0 {
				if _, ok := members[i-1][m.g.ID]; !ok {
					grp.New = append(grp.New, m.g.ID)
					grp.NewPer[i-1]++
				}
			}
			if i < n-1 {
				if _, ok := members[i+1][m.g.ID]; !ok {
					grp.Ended = append(grp.Ended, m.g.ID)
					grp.EndedPer[i]++
				}
			}
		}
	}
	// unmoved counts, per group of the last sample it was in, the goroutines
	// seen at least twice, and how many of them never moved.
	seenTwice := map[string]int{}
	unmovedCount := map[string]int{}
	unmovedAt := map[string]map[string]bool{} // group → "reason at location"
	persistent := map[string]int{}            // group → goroutines in every sample
	for id, first := range members[0] {
		inAll, stuck, hot := true, true, true
		for i := 0; i < n; i++ {
			m, ok := members[i][id]
			if !ok {
				inAll = false
				break
			}
			stuck = stuck && sameWait(first.g, m.g)
			hot = hot && (m.g.Status == model.StatusRunning || m.g.Status == model.StatusRunnable)
		}
		if !inAll {
			continue
		}
		grp := group(members[n-1][id].key)
		persistent[grp.Key]++
		if stuck {
			grp.Stuck = append(grp.Stuck, id)
		}
		if hot {
			grp.Hot = append(grp.Hot, id)
		}
	}
	// A goroutine that appeared after the first sample counts toward
	// "moved or not" from its first sample on.
	for i := 0; i < n-1; i++ {
		for id, m := range members[i] {
			if i > 0 {
				if _, ok := members[i-1][id]; ok {
					continue // counted from its first sample
				}
			}
			last, moved, seen := m, false, 1
			for j := i + 1; j < n; j++ {
				next, ok := members[j][id]
				if !ok {
					break
				}
				seen++
				moved = moved || !sameWait(m.g, next.g)
				last = next
			}
			if seen < 2 {
				continue
			}
			seenTwice[last.key]++
			if !moved {
				unmovedCount[last.key]++
				if unmovedAt[last.key] == nil {
					unmovedAt[last.key] = map[string]bool{}
				}
				unmovedAt[last.key][m.g.WaitReason+" at "+shortLocKey(m.g.Location)] = true
			}
		}
	}

	secs := tr.Elapsed.Seconds()
	for i := range tr.Groups {
		g := &tr.Groups[i]
		g.Before, g.After = g.Counts[0], g.Counts[n-1]
		if secs > 0 {
			g.RatePerSec = float64(g.Growth()) / secs
		}
		for _, ids := range [][]int64{g.New, g.Ended, g.Stuck, g.Hot} {
			slices.Sort(ids)
		}
		g.Verdict, g.Why = groupVerdict(g, persistent[g.Key], seenTwice[g.Key], unmovedCount[g.Key], unmovedAt[g.Key])
	}
	slices.SortStableFunc(tr.Groups, func(a, b GroupTrend) int {
		if a.Growth() != b.Growth() {
			return b.Growth() - a.Growth()
		}
		if a.After != b.After {
			return b.After - a.After
		}
		return strings.Compare(a.Key, b.Key)
	})
	compareTracker(tr, samples)
	tr.Verdicts = verdicts(tr)
	return tr, nil
}

// sameWait reports whether b is still waiting where and why a was.
func sameWait(a, b *model.Goroutine) bool {
	if a.Status != model.StatusWaiting || b.Status != model.StatusWaiting || a.WaitReason != b.WaitReason {
		return false
	}
	if a.CurrentLocation.PC != 0 || b.CurrentLocation.PC != 0 {
		return a.CurrentLocation.PC == b.CurrentLocation.PC
	}
	return a.CurrentLocation == b.CurrentLocation && a.Location == b.Location
}

// shortLocKey is locKey with the file cut to its directory and name.
func shortLocKey(l model.Location) string {
	if l.IsZero() {
		return "<unknown>"
	}
	return l.Function + " " + model.ShortFile(l.File) + ":" + strconv.Itoa(l.Line)
}

// noise is the change of a count that says nothing: at least 3, or a tenth
// of the count.
func noise(before int) int { return max(3, before/10) }

// groupVerdict classifies g: persistent counts its goroutines present in
// every sample, seenTwice those seen in two samples or more, unmoved those of
// seenTwice that never moved, at where these wait.
func groupVerdict(g *GroupTrend, persistent, seenTwice, unmoved int, at map[string]bool) (verdict, why string) {
	growth := g.Growth()
	monotone := true
	for i := 1; i < len(g.Counts); i++ {
		monotone = monotone && g.Counts[i] >= g.Counts[i-1]
	}
	switch {
	// A group in which nothing ended and nothing moved does not fluctuate:
	// any growth beyond a few is real, however large the group.
	case growth >= noise(0) && monotone && len(g.Ended) == 0 && seenTwice > 0 && unmoved == seenTwice:
		why = "0 ended, all blocked"
		if len(at) == 1 {
			for k := range at {
				why += " in " + k
			}
		} else {
			why += fmt.Sprintf(" (in %d places)", len(at))
		}
		return VerdictLeak, why
	case growth >= noise(g.Before) && len(g.Ended) > 0 && len(g.New) > len(g.Ended):
		return VerdictPileUp, fmt.Sprintf("new instances start before old ones end: %d started, %d ended", len(g.New), len(g.Ended))
	case len(g.Hot) > 0 && 2*len(g.Hot) >= persistent && growth < noise(g.Before):
		return VerdictHot, fmt.Sprintf("%d of %d running or runnable in every sample", len(g.Hot), g.After)
	case growth >= noise(g.Before):
		return VerdictGrowing, fmt.Sprintf("%d started, %d ended", len(g.New), len(g.Ended))
	case -growth >= noise(g.Before):
		return VerdictShrinking, fmt.Sprintf("%d started, %d ended", len(g.New), len(g.Ended))
	}
	return VerdictSteady, ""
}

// compareTracker fills in the tracker's side of tr: what ended and what was
// cancelled between consecutive samples, and the live tasks by name.
func compareTracker(tr *Trend, samples []model.Sample) {
	n := len(samples)
	names := map[string]*TaskTrend{}
	var order []string
	for i, s := range samples {
		if s.Snapshot.Tracker == nil {
			continue
		}
		for _, t := range s.Snapshot.Tracker.Live {
			tt, ok := names[t.Name]
			if !ok {
				tt = &TaskTrend{Name: t.Name, Live: make([]int, n)}
				names[t.Name] = tt
				order = append(order, t.Name)
			}
			tt.Live[i]++
		}
	}
	ended := map[uint64]bool{}
	for i := 1; i < n; i++ {
		a, b := samples[i-1].Snapshot.Tracker, samples[i].Snapshot.Tracker
		if a == nil || b == nil {
			continue
		}
		for _, t := range endedBetween(a, b) {
			if ended[t.Task.ID] {
				continue
			}
			ended[t.Task.ID] = true
			tr.EndedTasks = append(tr.EndedTasks, t)
			if tt, ok := names[t.Task.Name]; ok {
				tt.Ended++
			} else {
				names[t.Task.Name] = &TaskTrend{Name: t.Task.Name, Live: make([]int, n), Ended: 1}
				order = append(order, t.Task.Name)
			}
		}
		tr.Cancellations = append(tr.Cancellations, cancelledBetween(a, b)...)
	}
	slices.SortStableFunc(tr.EndedTasks, func(a, b model.Termination) int { return b.Ended.Compare(a.Ended) })
	slices.SortStableFunc(tr.Cancellations, func(a, b model.Cancellation) int { return b.Time.Compare(a.Time) })
	secs := tr.Elapsed.Seconds()
	for _, name := range order {
		tt := names[name]
		growth := tt.Live[n-1] - tt.Live[0]
		if secs > 0 {
			tt.RatePerSec = float64(growth) / secs
		}
		switch {
		case growth >= noise(tt.Live[0]) && tt.Ended == 0:
			tt.Verdict = VerdictLeak
		case growth >= noise(tt.Live[0]):
			tt.Verdict = VerdictGrowing
		case -growth >= noise(tt.Live[0]):
			tt.Verdict = VerdictShrinking
		default:
			tt.Verdict = VerdictSteady
		}
		tr.Tasks = append(tr.Tasks, *tt)
	}
	slices.SortStableFunc(tr.Tasks, func(a, b TaskTrend) int {
		return (b.Live[n-1] - b.Live[0]) - (a.Live[n-1] - a.Live[0])
	})
}

// endedBetween returns the terminations b records that a did not: newer
// than a's newest (records evicted from a's ring are older) and not in a.
func endedBetween(a, b *model.Tracker) []model.Termination {
	known := make(map[uint64]bool, len(a.Terminated))
	var newest time.Time
	for _, t := range a.Terminated {
		known[t.Task.ID] = true
		if t.Ended.After(newest) {
			newest = t.Ended
		}
	}
	var out []model.Termination
	for _, t := range b.Terminated {
		if !known[t.Task.ID] && t.Ended.After(newest) {
			out = append(out, t)
		}
	}
	return out
}

// cancelledBetween is endedBetween for cancellations.
func cancelledBetween(a, b *model.Tracker) []model.Cancellation {
	known := make(map[uint64]bool, len(a.Cancellations))
	var newest time.Time
	for _, c := range a.Cancellations {
		known[c.ContextID] = true
		if c.Time.After(newest) {
			newest = c.Time
		}
	}
	var out []model.Cancellation
	for _, c := range b.Cancellations {
		if !known[c.ContextID] && c.Time.After(newest) {
			out = append(out, c)
		}
	}
	return out
}

// verdicts lists leaks first (by rate), then pile-ups, task leaks and hot
// groups.
func verdicts(tr *Trend) []Verdict {
	var out []Verdict
	for _, kind := range []string{VerdictLeak, VerdictPileUp} {
		for _, g := range tr.Groups {
			if g.Verdict == kind {
				out = append(out, Verdict{Kind: kind, Subject: g.Key,
					Text: fmt.Sprintf("%s: %s %s, %s", kind, g.Key, RateText(g.RatePerSec, g.Growth(), tr.Elapsed), g.Why)})
			}
		}
	}
	for _, t := range tr.Tasks {
		if t.Verdict == VerdictLeak {
			out = append(out, Verdict{Kind: VerdictLeak, Subject: "task " + t.Name,
				Text: fmt.Sprintf("%s: task %s %s live, none ended", VerdictLeak, t.Name, RateText(t.RatePerSec, t.Live[len(t.Live)-1]-t.Live[0], tr.Elapsed))})
		}
	}
	for _, g := range tr.Groups {
		if g.Verdict == VerdictHot {
			out = append(out, Verdict{Kind: VerdictHot, Subject: g.Key, Text: fmt.Sprintf("hot: %s, %s", g.Key, g.Why)})
		}
	}
	return out
}

// RateText formats a change: "+50.0/s" when time passed, else "+3".
func RateText(perSec float64, growth int, elapsed time.Duration) string {
	if elapsed <= 0 {
		return fmt.Sprintf("%+d", growth)
	}
	r := strconv.FormatFloat(math.Abs(perSec), 'f', 1, 64)
	if perSec < 0 {
		return "-" + r + "/s"
	}
	return "+" + r + "/s"
}
