package query

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// liveFake is a live target over generated snapshots: Continue runs it
// until Halt, which moves it to the next snapshot. It records whether it is
// running, so tests can check top never leaves it halted.
type liveFake struct {
	fakeSource
	mu      sync.Mutex
	step    int
	running bool
	halt    chan struct{}
	// failSnapshotAt fails the snapshot of that step; haltErr fails Halt;
	// exitAt makes the target exit when halted into that step; stopAt
	// makes Continue return by itself (a breakpoint) at that step.
	failSnapshotAt, exitAt, stopAt int
	haltErr                        error
	continues                      int
}

// growthSnapshot: at step i, 10+5i leaked goroutines wait in a channel
// receive at main.fetchOnce, and one spinner runs.
func growthSnapshot(i int) *model.Snapshot {
	s := &model.Snapshot{Target: model.Target{Live: true}}
	for j := 0; j < 10+5*i; j++ {
		s.Goroutines = append(s.Goroutines, model.Goroutine{ID: int64(100 + j), Status: model.StatusWaiting, WaitReason: "chan receive",
			CurrentLocation: model.Location{Function: "runtime.gopark", PC: 0x4000},
			Location:        model.Location{Function: "main.fetchOnce", File: "/src/growth/main.go", Line: 88},
			GoStatement:     model.Location{Function: "main.leak", File: "/src/growth/main.go", Line: 80}})
	}
	s.Goroutines = append(s.Goroutines, model.Goroutine{ID: 7, Status: model.StatusRunning,
		Location:    model.Location{Function: "main.spin", File: "/src/growth/main.go", Line: 20},
		GoStatement: model.Location{Function: "main.main", File: "/src/growth/main.go", Line: 120}})
	s.Sort()
	return s
}

func newLiveFake() *liveFake {
	f := &liveFake{halt: make(chan struct{}, 1), failSnapshotAt: -1, exitAt: -1, stopAt: -1}
	f.snap = growthSnapshot(0)
	return f
}

func (f *liveFake) Live() bool { return true }

func (f *liveFake) Snapshot(ctx context.Context, p model.Progress) (*model.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running {
		return nil, errors.New("snapshot of a running target")
	}
	if f.step == f.failSnapshotAt {
		return nil, errors.New("read runtime.g structs: injected")
	}
	f.snap = growthSnapshot(f.step)
	return f.fakeSource.Snapshot(ctx, p)
}

func (f *liveFake) Continue() (model.StopState, error) {
	f.mu.Lock()
	if f.running {
		f.mu.Unlock()
		return model.StopState{}, errors.New("continue of a running target")
	}
	f.running = true
	f.continues++
	stopHere := f.step+1 == f.stopAt
	f.mu.Unlock()
	if !stopHere {
		<-f.halt
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running = false
	f.step++
	if f.step == f.exitAt {
		return model.StopState{Exited: true, ExitStatus: 3}, nil
	}
	if stopHere {
		return model.StopState{Breakpoint: "1", GoroutineID: 7}, nil
	}
	return model.StopState{GoroutineID: 7}, nil
}

func (f *liveFake) Halt() (model.StopState, error) {
	if f.haltErr != nil {
		return model.StopState{}, f.haltErr
	}
	f.halt <- struct{}{}
	return model.StopState{}, nil
}

func (f *liveFake) isRunning() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.running
}

func TestTopSamplesAndLeavesTheTargetRunning(t *testing.T) {
	f := newLiveFake()
	q := New(f)
	var docs []*TopDoc
	bg, err := q.Top(context.Background(), TopRequest{Interval: 5 * time.Millisecond, Samples: 4}, f, nil, func(d *TopDoc) error {
		docs = append(docs, d)
		return nil
	})
	require.NoError(t, err)
	require.NotNil(t, bg)
	waitRunning(t, f)
	require.Len(t, docs, 4)
	for i, d := range docs {
		assert.Equal(t, i+1, d.Seq)
		assert.Len(t, d.Trend.Samples, i+1)
		assert.Positive(t, d.Pause)
		assert.LessOrEqual(t, d.DutyCycle, 1.0)
	}
	assert.Empty(t, docs[1].Trend.Verdicts, "no verdict before three samples")
	last := docs[3].Trend
	require.NotEmpty(t, last.Verdicts)
	assert.Equal(t, chains.VerdictLeak, last.Verdicts[0].Kind)
	assert.Contains(t, last.Verdicts[0].Subject, "main.leak")
	assert.Equal(t, []int{15, 20, 25, 30}, last.Groups[0].Counts)
	assert.Equal(t, chains.VerdictHot, last.Groups[1].Verdict)

	var b strings.Builder
	require.NoError(t, docs[3].Text(&b))
	assert.Contains(t, b.String(), "top: sample 4")
	assert.Contains(t, b.String(), "▁▃▅█")
	assert.Contains(t, b.String(), "leak suspect: main.leak /src/growth/main.go:80")
	j := docs[3].JSON().(topJSON)
	assert.Equal(t, 4, j.Seq)

	st, err := bg.Stop()
	require.NoError(t, err)
	assert.False(t, st.Exited)
	assert.False(t, f.isRunning())
	st2, err := bg.Stop()
	require.NoError(t, err, "Stop twice answers the same")
	assert.Equal(t, st, st2)
}

func TestTopEndsRunningOnEveryPath(t *testing.T) {
	emitErr := errors.New("write output: broken pipe")
	cases := []struct {
		name    string
		setup   func(f *liveFake)
		samples int
		quit    bool
		cancel  bool
		emitErr bool
		want    string
	}{
		{name: "interrupted", cancel: true, want: ErrInterrupted.Error()},
		{name: "quit key", quit: true},
		{name: "emit fails", emitErr: true, want: emitErr.Error()},
		{name: "snapshot fails", setup: func(f *liveFake) { f.failSnapshotAt = 3 }, want: "sample 3: read runtime.g structs: injected"},
		{name: "first snapshot fails", setup: func(f *liveFake) { f.failSnapshotAt = 1 }, want: "sample 1: read runtime.g structs: injected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newLiveFake()
			if c.setup != nil {
				c.setup(f)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			quit := make(chan struct{})
			n := 0
			bg, err := New(f).Top(ctx, TopRequest{Interval: 5 * time.Millisecond}, f, quit, func(d *TopDoc) error {
				n++
				if n == 2 {
					switch {
					case c.cancel:
						cancel()
					case c.quit:
						close(quit)
					case c.emitErr:
						return emitErr
					}
				}
				return nil
			})
			if c.want == "" {
				require.NoError(t, err)
			} else {
				require.EqualError(t, err, c.want)
			}
			require.NotNil(t, bg)
			waitRunning(t, f)
			_, err = bg.Stop()
			require.NoError(t, err)
		})
	}
}

func TestTopTargetStopsByItself(t *testing.T) {
	// The first interval is an hour: the breakpoint ends it.
	f2 := newLiveFake()
	f2.stopAt = 2
	bg, err := New(f2).Top(context.Background(), TopRequest{Interval: time.Hour}, f2, nil, func(*TopDoc) error { return nil })
	assert.Nil(t, bg)
	assert.EqualError(t, err, "the target stopped by itself (breakpoint 1, goroutine 7); top ended and left it there")
	assert.False(t, f2.isRunning())

	f3 := newLiveFake()
	f3.exitAt = 2
	bg, err = New(f3).Top(context.Background(), TopRequest{Interval: time.Millisecond}, f3, nil, func(*TopDoc) error { return nil })
	assert.Nil(t, bg)
	assert.EqualError(t, err, "the target exited with status 3")
}

func TestTopHaltFails(t *testing.T) {
	f := newLiveFake()
	f.haltErr = errors.New("connection reset")
	defer func() { f.halt <- struct{}{} }() // let the fake's Continue return
	old := haltTimeout
	haltTimeout = 50 * time.Millisecond
	defer func() { haltTimeout = old }()
	done := make(chan error, 1)
	go func() {
		_, err := New(f).Top(context.Background(), TopRequest{Interval: time.Millisecond, Samples: 3}, f, nil, func(*TopDoc) error { return nil })
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorContains(t, err, "connection reset")
	case <-time.After(time.Minute):
		t.Fatal("top hung on a failed halt")
	}
}

func TestTopRefuses(t *testing.T) {
	f := newLiveFake()
	q := New(f)
	_, err := q.Top(context.Background(), TopRequest{Samples: -1}, f, nil, nil)
	assert.EqualError(t, err, "-n must be 0 (until stopped) or more")
	_, err = q.Top(context.Background(), TopRequest{Group: "stack"}, f, nil, nil)
	assert.ErrorContains(t, err, "-group stack reads every stack")
	_, err = q.Top(context.Background(), TopRequest{}, notLive{}, nil, nil)
	assert.ErrorIs(t, err, model.ErrNotLive)
	assert.False(t, f.isRunning())
}

type notLive struct{ Runner }

func (notLive) Live() bool { return false }

func TestTopWarnsAboveFivePercent(t *testing.T) {
	f := newLiveFake()
	var docs []*TopDoc
	// An interval of 1 µs: every pause is far above 5 % of it.
	_, err := New(f).Top(context.Background(), TopRequest{Interval: time.Microsecond, Samples: 2, Window: 1}, f, nil, func(d *TopDoc) error {
		docs = append(docs, d)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, docs, 2)
	assert.Contains(t, docs[1].Warning, "raise -interval")
	assert.Len(t, docs[1].Trend.Samples, 1, "window of one sample")
	var b strings.Builder
	require.NoError(t, docs[1].Text(&b))
	assert.Contains(t, b.String(), "warning: this sample stopped the target")
}

// waitRunning waits for the fake's Continue, which top starts in the
// background, to be running.
func waitRunning(t *testing.T, f *liveFake) {
	t.Helper()
	require.Eventually(t, f.isRunning, 10*time.Second, time.Millisecond, "the target runs after top")
}
