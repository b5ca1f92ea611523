package chains

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// site builds a goroutine created at main.fn's go statement (line 10),
// started in fn and waiting there at pc 0x1000+line.
func site(id int64, fn string, line int, status, reason string) model.Goroutine {
	return model.Goroutine{
		ID: id, ParentID: 1, Status: status, WaitReason: reason,
		CurrentLocation: model.Location{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 460, PC: 0x1000 + uint64(line)},
		Location:        model.Location{Function: fn, File: "/src/app/main.go", Line: line},
		GoStatement:     model.Location{Function: "main.main", File: "/src/app/main.go", Line: line - 1},
		Start:           model.Location{Function: fn, File: "/src/app/main.go", Line: line - 5},
	}
}

// series builds samples one second apart: in sample i, the leak site has
// 10+20i goroutines that never move, the pool site 8 workers that move
// between two places, the pile-up site 2+3i jobs of which the oldest ended,
// and the spinner one running goroutine.
func series(n int) []model.Sample {
	var out []model.Sample
	for i := 0; i < n; i++ {
		snap := &model.Snapshot{}
		for j := 0; j < 10+20*i; j++ {
			snap.Goroutines = append(snap.Goroutines, site(int64(1000+j), "main.fetchOnce", 88, model.StatusWaiting, "chan receive"))
		}
		for j := 0; j < 8; j++ {
			line := 40
			if (i+j)%2 == 0 {
				line = 41
			}
			g := site(int64(100+j), "main.worker", 40, model.StatusWaiting, "select")
			g.CurrentLocation.PC = 0x2000 + uint64(line)
			snap.Goroutines = append(snap.Goroutines, g)
		}
		// Pile-up: ids 5000+i*4 .. started 4 per sample, one per sample ends.
		for j := i; j < 2+4*i; j++ {
			snap.Goroutines = append(snap.Goroutines, site(int64(5000+j), "main.runReportJob", 70, model.StatusWaiting, "sync.Mutex.Lock"))
		}
		status := model.StatusRunning
		if i%2 == 1 {
			status = model.StatusRunnable
		}
		snap.Goroutines = append(snap.Goroutines, site(50, "main.spin", 60, status, ""))
		snap.Sort()
		out = append(out, model.Sample{Name: fmt.Sprint(i + 1), TakenAt: t0.Add(time.Duration(i) * time.Second), Snapshot: snap})
	}
	return out
}

func groupByPrefix(t *testing.T, tr *Trend, fn string) GroupTrend {
	t.Helper()
	for _, g := range tr.Groups {
		if len(g.Key) >= len(fn) && g.Key[:len(fn)] == fn {
			return g
		}
	}
	t.Fatalf("no group %s in %+v", fn, tr.Groups)
	return GroupTrend{}
}

func TestCompareVerdicts(t *testing.T) {
	for _, n := range []int{2, 5} {
		t.Run(fmt.Sprint(n, " samples"), func(t *testing.T) {
			tr, err := Compare(series(n), GroupByStart, "")
			require.NoError(t, err)
			assert.Equal(t, "start", tr.By)
			require.Len(t, tr.Samples, n)
			assert.Equal(t, time.Duration(n-1)*time.Second, tr.Elapsed)

			// Largest growth first: the leak.
			leak := tr.Groups[0]
			assert.Equal(t, "main.fetchOnce", leak.Key)
			assert.Equal(t, VerdictLeak, leak.Verdict)
			assert.InDelta(t, 20.0, leak.RatePerSec, 0.01)
			assert.Equal(t, 10, leak.Before)
			assert.Equal(t, 10+20*(n-1), leak.After)
			assert.Len(t, leak.New, 20*(n-1))
			assert.Empty(t, leak.Ended)
			assert.Len(t, leak.Stuck, 10, "the first ten are in every sample and never moved")
			assert.Contains(t, leak.Why, "all blocked in chan receive at main.fetchOnce app/main.go:88")

			pile := groupByPrefix(t, tr, "main.runReportJob")
			assert.Equal(t, VerdictPileUp, pile.Verdict)
			assert.Len(t, pile.Ended, n-1)
			assert.Equal(t, 2+3*(n-1), pile.After)

			pool := groupByPrefix(t, tr, "main.worker")
			assert.Equal(t, VerdictSteady, pool.Verdict)
			assert.Empty(t, pool.Stuck, "workers move between samples")

			spin := groupByPrefix(t, tr, "main.spin")
			assert.Equal(t, VerdictHot, spin.Verdict)
			assert.Equal(t, []int64{50}, spin.Hot)

			require.Len(t, tr.Verdicts, 3)
			assert.Equal(t, VerdictLeak, tr.Verdicts[0].Kind)
			assert.Equal(t, "leak suspect: main.fetchOnce +20.0/s, 0 ended, all blocked in chan receive at main.fetchOnce app/main.go:88", tr.Verdicts[0].Text)
			assert.Equal(t, VerdictPileUp, tr.Verdicts[1].Kind)
			assert.Equal(t, VerdictHot, tr.Verdicts[2].Kind)
			assert.Equal(t, "main.spin", tr.Verdicts[2].Subject)
		})
	}
}

func TestCompareIntervals(t *testing.T) {
	tr, err := Compare(series(3), GroupByCreation, "")
	require.NoError(t, err)
	leak := groupByPrefix(t, tr, "main.main /src/app/main.go:87")
	assert.Equal(t, []int{10, 30, 50}, leak.Counts)
	assert.Equal(t, []int{20, 20}, leak.NewPer)
	assert.Equal(t, []int{0, 0}, leak.EndedPer)
	pile := groupByPrefix(t, tr, "main.main /src/app/main.go:69")
	assert.Equal(t, []int{1, 1}, pile.EndedPer)
	assert.Equal(t, []int{4, 4}, pile.NewPer)
	assert.Equal(t, map[string]int{"sync.Mutex.Lock": 8}, pile.States)
}

func TestCompareShrinkingGrowingAndGone(t *testing.T) {
	a := &model.Snapshot{}
	b := &model.Snapshot{}
	for j := 0; j < 20; j++ {
		a.Goroutines = append(a.Goroutines, site(int64(100+j), "main.drain", 20, model.StatusWaiting, "chan send"))
	}
	// Growing: new goroutines whose old ones keep moving (none ended).
	for j := 0; j < 4; j++ {
		a.Goroutines = append(a.Goroutines, site(int64(200+j), "main.crawl", 30, model.StatusRunnable, ""))
	}
	for j := 0; j < 10; j++ {
		b.Goroutines = append(b.Goroutines, site(int64(200+j), "main.crawl", 30, model.StatusWaiting, "IO wait"))
	}
	// Only in b, never seen twice: growing, not a leak.
	for j := 0; j < 5; j++ {
		b.Goroutines = append(b.Goroutines, site(int64(300+j), "main.burst", 40, model.StatusWaiting, "chan receive"))
	}
	a.Sort()
	b.Sort()
	tr, err := Compare([]model.Sample{{TakenAt: t0, Snapshot: a}, {TakenAt: t0.Add(2 * time.Second), Snapshot: b}}, GroupByStart, "")
	require.NoError(t, err)
	crawl := groupByPrefix(t, tr, "main.crawl")
	assert.Equal(t, VerdictGrowing, crawl.Verdict)
	assert.InDelta(t, 3.0, crawl.RatePerSec, 0.01)
	assert.Equal(t, VerdictGrowing, groupByPrefix(t, tr, "main.burst").Verdict)
	drain := groupByPrefix(t, tr, "main.drain")
	assert.Equal(t, VerdictShrinking, drain.Verdict)
	assert.Equal(t, []int{20, 0}, drain.Counts)
	assert.Len(t, drain.Ended, 20)
	assert.Equal(t, "main.drain", tr.Groups[len(tr.Groups)-1].Key, "largest loss last")
	assert.Empty(t, tr.Verdicts)
}

func TestCompareLeakInSeveralPlaces(t *testing.T) {
	var samples []model.Sample
	for i := 0; i < 2; i++ {
		s := &model.Snapshot{}
		for j := 0; j < 5+10*i; j++ {
			line := 50 + j%2
			g := site(int64(100+j), "main.handle", line, model.StatusWaiting, "chan receive")
			g.GoStatement.Line = 49
			g.CurrentLocation.PC = uint64(0x100 + line)
			s.Goroutines = append(s.Goroutines, g)
		}
		samples = append(samples, model.Sample{TakenAt: t0.Add(time.Duration(i) * time.Second), Snapshot: s})
	}
	tr, err := Compare(samples, GroupByCreation, "")
	require.NoError(t, err)
	require.Len(t, tr.Groups, 1)
	assert.Equal(t, VerdictLeak, tr.Groups[0].Verdict)
	assert.Equal(t, "0 ended, all blocked (in 2 places)", tr.Groups[0].Why)
}

func TestCompareTracker(t *testing.T) {
	task := func(id uint64, name string) model.Task { return model.Task{ID: id, Name: name} }
	end := func(id uint64, name string, sec int) model.Termination {
		return model.Termination{Task: task(id, name), Outcome: model.OutcomeReturned, Ended: at(sec)}
	}
	a := &model.Tracker{
		Live:          []model.Task{task(1, "conn"), task(2, "conn"), task(3, "job")},
		Terminated:    []model.Termination{end(9, "job", 5), end(8, "job", 4)},
		Cancellations: []model.Cancellation{{ContextID: 70, Time: at(5)}},
	}
	b := &model.Tracker{
		Live: []model.Task{task(1, "conn"), task(2, "conn"), task(4, "conn"), task(5, "conn"), task(6, "conn"), task(7, "conn"), task(10, "job")},
		// 3 ended in between; 8 was evicted from the ring; 2 is an old
		// preserved record seen again.
		Terminated:    []model.Termination{end(3, "job", 8), end(11, "once", 7), end(9, "job", 5), end(12, "old", 1)},
		Cancellations: []model.Cancellation{{ContextID: 71, Time: at(8)}, {ContextID: 70, Time: at(5)}, {ContextID: 60, Time: at(2)}},
	}
	samples := []model.Sample{
		{TakenAt: at(5), Snapshot: &model.Snapshot{Tracker: a}},
		{TakenAt: at(10), Snapshot: &model.Snapshot{Tracker: b}},
	}
	tr, err := Compare(samples, GroupByTask, "")
	require.NoError(t, err)
	var endedIDs []uint64
	for _, e := range tr.EndedTasks {
		endedIDs = append(endedIDs, e.Task.ID)
	}
	assert.Equal(t, []uint64{3, 11}, endedIDs, "newest first, only those that ended in between")
	require.Len(t, tr.Cancellations, 1)
	assert.Equal(t, uint64(71), tr.Cancellations[0].ContextID)
	require.NotEmpty(t, tr.Tasks)
	assert.Equal(t, "conn", tr.Tasks[0].Name)
	assert.Equal(t, []int{2, 6}, tr.Tasks[0].Live)
	assert.Equal(t, VerdictLeak, tr.Tasks[0].Verdict)
	assert.InDelta(t, 0.8, tr.Tasks[0].RatePerSec, 0.001)
	byName := map[string]TaskTrend{}
	for _, tt := range tr.Tasks {
		byName[tt.Name] = tt
	}
	assert.Equal(t, 1, byName["job"].Ended)
	assert.Equal(t, VerdictSteady, byName["job"].Verdict)
	assert.Equal(t, 1, byName["once"].Ended)
	require.Len(t, tr.Verdicts, 1)
	assert.Equal(t, "leak suspect: task conn +0.8/s live, none ended", tr.Verdicts[0].Text)
}

func TestCompareRefuses(t *testing.T) {
	_, err := Compare(series(1), GroupByStart, "")
	assert.True(t, errors.Is(err, ErrTooFewSamples))
	_, err = Compare(series(2), GroupByStack, "")
	assert.ErrorContains(t, err, "cannot group by stack")
	_, err = Compare([]model.Sample{{}, {}}, GroupByStart, "")
	assert.ErrorContains(t, err, "sample 0 has no snapshot")
}

func TestCompareByLabelAndNoTime(t *testing.T) {
	s := series(2)
	s[1].TakenAt = s[0].TakenAt
	for i := range s {
		for j := range s[i].Snapshot.Goroutines {
			s[i].Snapshot.Goroutines[j].Labels = map[string]string{"site": s[i].Snapshot.Goroutines[j].Start.Function}
		}
	}
	tr, err := Compare(s, GroupByLabel, "site")
	require.NoError(t, err)
	assert.Equal(t, "label site", tr.By)
	assert.Equal(t, "main.fetchOnce", tr.Groups[0].Key)
	assert.Zero(t, tr.Groups[0].RatePerSec)
	assert.Equal(t, "leak suspect: main.fetchOnce +20, 0 ended, all blocked in chan receive at main.fetchOnce app/main.go:88", tr.Verdicts[0].Text)
	assert.Equal(t, "-2.5/s", RateText(-2.5, -5, 2*time.Second))
}

func TestSameWaitWithoutPC(t *testing.T) {
	a := site(1, "main.f", 10, model.StatusWaiting, "select")
	a.CurrentLocation.PC = 0
	b := a
	assert.True(t, sameWait(&a, &b))
	b.Location.Line++
	assert.False(t, sameWait(&a, &b))
	b = a
	b.WaitReason = "chan send"
	assert.False(t, sameWait(&a, &b))
}

// A leak on a large base is named as soon as it grew by a few: nothing
// ended and nothing moved, so the growth is no fluctuation.
func TestCompareLeakOnALargeBase(t *testing.T) {
	var samples []model.Sample
	for i := 0; i < 3; i++ {
		s := &model.Snapshot{}
		for j := 0; j < 500+4*i; j++ {
			s.Goroutines = append(s.Goroutines, site(int64(100+j), "main.fetchOnce", 88, model.StatusWaiting, "chan receive"))
		}
		samples = append(samples, model.Sample{TakenAt: t0.Add(time.Duration(i) * time.Second), Snapshot: s})
	}
	tr, err := Compare(samples, GroupByStart, "")
	require.NoError(t, err)
	assert.Equal(t, VerdictLeak, tr.Groups[0].Verdict)
	assert.InDelta(t, 4.0, tr.Groups[0].RatePerSec, 0.001)
}
