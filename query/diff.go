package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// Now names the current snapshot in a diff request.
const Now = "now"

// CoreClock is implemented by sources that know when their snapshot shows
// the target (a core: when it was written). Other sources' samples are
// stamped with the wall clock when the Querier first read the snapshot.
type CoreClock interface {
	// SnapshotTime returns when the target was as the snapshot shows it;
	// false when the source does not know.
	SnapshotTime() (time.Time, bool)
}

// kept is the Querier's store of named samples.
type kept struct {
	samples []model.Sample
	serial  int
	// seen and seenAt stamp the current snapshot the first time it is read.
	seen   *model.Snapshot
	seenAt time.Time
}

// sampleNow reads the current snapshot and stamps it.
// A snapshot not read yet at this stop is stamped before it is read: the
// target stopped before that, and the read may be long.
func (q *Querier) sampleNow(ctx context.Context, name string) (model.Sample, error) {
	before := time.Now()
	if q.src.Cached() != nil {
		before = time.Time{}
	}
	snap, err := q.snapshot(ctx)
	if err != nil {
		return model.Sample{}, err
	}
	return model.Sample{Name: name, Snapshot: snap, TakenAt: q.stamp(snap, before)}, nil
}

// stamp returns when snap shows the target: the source's clock, else when
// the Querier first saw it (before, when not zero: when it asked for it).
func (q *Querier) stamp(snap *model.Snapshot, before time.Time) time.Time {
	if c, ok := q.src.(CoreClock); ok {
		if t, ok := c.SnapshotTime(); ok {
			return t
		}
	}
	if q.kept.seen != snap {
		if before.IsZero() {
			before = time.Now()
		}
		q.kept.seen, q.kept.seenAt = snap, before
	}
	return q.kept.seenAt
}

// SampleDoc answers snapshot: the sample just kept.
type SampleDoc struct {
	notes
	Sample model.Sample
}

// Text says what was kept.
func (d *SampleDoc) Text(w io.Writer) error {
	paused := ""
	if p := d.Sample.Snapshot.TargetPaused; p > 0 {
		paused = fmt.Sprintf(" (target paused %s)", render.HumanDuration(p))
	}
	_, err := fmt.Fprintf(w, "kept snapshot %s: %d goroutines at %s%s\n", d.Sample.Name,
		len(d.Sample.Snapshot.Goroutines), d.Sample.TakenAt.Format("15:04:05.000"), paused)
	return err
}

// JSON returns the kept sample's description.
func (d *SampleDoc) JSON() any { return sampleInfo(d.Sample) }

func sampleInfo(s model.Sample) chains.SampleInfo {
	return chains.SampleInfo{Name: s.Name, TakenAt: s.TakenAt, Goroutines: len(s.Snapshot.Goroutines), TargetPaused: s.Snapshot.TargetPaused}
}

// KeepSample keeps a sample read from another source under its name (a
// first goroutine dump, to diff a second one against); a kept sample of the
// same name is replaced.
func (q *Querier) KeepSample(s model.Sample) error {
	if s.Name == "" || s.Name == Now {
		return fmt.Errorf("a kept snapshot needs a name other than %q", Now)
	}
	if s.Snapshot == nil {
		return fmt.Errorf("kept snapshot %s has no goroutines read", s.Name)
	}
	if i, ok := q.kept.find(s.Name); ok {
		q.kept.samples = append(q.kept.samples[:i], q.kept.samples[i+1:]...)
	}
	q.kept.samples = append(q.kept.samples, s)
	return nil
}

// Keep keeps the current snapshot under name (empty: the next number).
func (q *Querier) Keep(ctx context.Context, name string) (Doc, error) {
	if name == Now {
		return nil, fmt.Errorf("%q names the current snapshot; choose another name", Now)
	}
	if name == "" {
		for {
			q.kept.serial++
			name = strconv.Itoa(q.kept.serial)
			if _, ok := q.kept.find(name); !ok {
				break
			}
		}
	}
	s, err := q.sampleNow(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &SampleDoc{Sample: s}
	if i, ok := q.kept.find(name); ok {
		q.kept.samples = append(q.kept.samples[:i], q.kept.samples[i+1:]...)
		d.notef("replaced the snapshot kept as %s", name)
	}
	q.kept.samples = append(q.kept.samples, s)
	return d, nil
}

func (k *kept) find(name string) (int, bool) {
	for i, s := range k.samples {
		if s.Name == name {
			return i, true
		}
	}
	return 0, false
}

// SamplesDoc lists the kept snapshots, oldest first.
type SamplesDoc struct {
	notes
	Samples []chains.SampleInfo
}

// Text writes one line per kept snapshot.
func (d *SamplesDoc) Text(w io.Writer) error {
	if len(d.Samples) == 0 {
		_, err := fmt.Fprintln(w, "no snapshot kept (snapshot [NAME] keeps one)")
		return err
	}
	t := render.Table{Columns: []render.Column{{Header: "NAME"}, {Header: "TAKEN", Kind: render.ColFixed}, {Header: "GOROUTINES", Kind: render.ColFixed}}}
	for _, s := range d.Samples {
		t.Add(s.Name, s.TakenAt.Format("15:04:05.000"), strconv.Itoa(s.Goroutines))
	}
	return t.Write(w, render.Plain)
}

// JSON returns the kept snapshots' descriptions.
func (d *SamplesDoc) JSON() any { return d.Samples }

// Kept lists the kept snapshots.
func (q *Querier) Kept() Doc {
	d := &SamplesDoc{Samples: []chains.SampleInfo{}}
	for _, s := range q.kept.samples {
		d.Samples = append(d.Samples, sampleInfo(s))
	}
	return d
}

// DiffRequest asks for a comparison of two snapshots.
type DiffRequest struct {
	// A and B name kept snapshots, or Now; A empty: the last kept, B
	// empty: Now.
	A, B string
	// Group is a chains.GroupKey name (default creation); LabelKey is the
	// label for "label".
	Group, LabelKey string
	// Limit shows at most this many groups (0: all).
	Limit int
}

// DiffDoc is a comparison of samples.
type DiffDoc struct {
	notes
	Trend *chains.Trend
	Limit int
}

// Text writes the comparison, largest growth first.
func (d *DiffDoc) Text(w io.Writer) error { return render.Diff(w, d.Trend, d.Limit) }

// JSON returns the trend.
func (d *DiffDoc) JSON() any { return d.Trend }

// Diff compares two snapshots: kept ones, or a kept one and the current.
func (q *Querier) Diff(ctx context.Context, r DiffRequest) (Doc, error) {
	key, err := parseTrendKey(r.Group, r.LabelKey)
	if err != nil {
		return nil, err
	}
	if r.A == "" {
		if len(q.kept.samples) == 0 {
			return nil, errors.New("no snapshot kept yet: keep one with snapshot, let the target run, then diff")
		}
		r.A = q.kept.samples[len(q.kept.samples)-1].Name
	}
	if r.B == "" {
		r.B = Now
	}
	a, err := q.resolve(ctx, r.A)
	if err != nil {
		return nil, err
	}
	b, err := q.resolve(ctx, r.B)
	if err != nil {
		return nil, err
	}
	return DiffSamples(a, b, key, r.LabelKey, r.Limit)
}

// DiffSamples compares two samples read elsewhere (two cores).
func DiffSamples(a, b model.Sample, key chains.GroupKey, labelKey string, limit int) (*DiffDoc, error) {
	tr, err := chains.Compare([]model.Sample{a, b}, key, labelKey)
	if err != nil {
		return nil, err
	}
	d := &DiffDoc{Trend: tr, Limit: limit}
	if a.Snapshot == b.Snapshot {
		d.notef("both sides are the same snapshot: the target has not run since %s was kept", a.Name)
	}
	if tr.Elapsed < 0 {
		d.notef("%s was taken after %s: rates are negative in time", a.Name, b.Name)
	}
	return d, nil
}

// ParseTrendKey parses a diff or top group key (default creation).
func ParseTrendKey(group, labelKey string) (chains.GroupKey, error) {
	return parseTrendKey(group, labelKey)
}

func parseTrendKey(group, labelKey string) (chains.GroupKey, error) {
	if group == "" {
		return chains.GroupByCreation, nil
	}
	key, err := chains.ParseGroupKey(group)
	if err != nil {
		return 0, err
	}
	if key == chains.GroupByLabel && labelKey == "" {
		return 0, errors.New("-group label needs a label key (-group label KEY)")
	}
	if key.NeedsStacks() {
		return 0, fmt.Errorf("-group %s reads every stack: not available over time (use creation, location, start, label, parent, task or group)", key)
	}
	return key, nil
}

func (q *Querier) resolve(ctx context.Context, name string) (model.Sample, error) {
	if name == Now {
		return q.sampleNow(ctx, Now)
	}
	i, ok := q.kept.find(name)
	if !ok {
		return model.Sample{}, fmt.Errorf("no snapshot kept as %q (snapshots lists them)", name)
	}
	return q.kept.samples[i], nil
}
