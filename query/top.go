package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// Runner runs and stops a live target: what top needs besides the Source.
// *dlvclient.Session implements it; Halt must be safe to call while
// Continue runs.
type Runner interface {
	// Live reports whether code can run in the target (false for cores).
	Live() bool
	Continue() (model.StopState, error)
	Halt() (model.StopState, error)
}

// maxDuty is the share of the time sampling may stop the target before top
// warns.
const maxDuty = 0.05

// DefaultTopWindow is how many samples top keeps for its trends and
// sparklines.
const DefaultTopWindow = 10

// haltTimeout bounds how long Running.Stop waits for Continue to return
// after a failed Halt.
var haltTimeout = 10 * time.Second

// haltRetry is how long Running.Stop waits for the target to stop before
// asking again.
const haltRetry = 20 * time.Millisecond

// TopRequest asks for a live top.
type TopRequest struct {
	// Interval is the time between samples (default 1 s).
	Interval time.Duration
	// Samples stops after this many samples (0: until interrupted).
	Samples int
	// Group and LabelKey are as in DiffRequest.
	Group, LabelKey string
	// Window is how many samples the trends cover (default
	// DefaultTopWindow).
	Window int
	// Limit shows at most this many groups (0: all).
	Limit int
}

// TopDoc is one top sample: the trend over the last samples and what
// sampling cost the target.
type TopDoc struct {
	notes
	render.TopSample
	TakenAt time.Time
	Trend   *chains.Trend
	limit   int
}

// Text writes one top screen.
func (d *TopDoc) Text(w io.Writer) error { return render.Top(w, d.TopSample, d.Trend, d.limit) }

// topJSON is one line of top's JSON lines.
type topJSON struct {
	Seq        int           `json:"seq"`
	TakenAt    time.Time     `json:"taken_at"`
	IntervalNs time.Duration `json:"interval_ns"`
	PauseNs    time.Duration `json:"pause_ns"`
	MaxPauseNs time.Duration `json:"max_pause_ns"`
	DutyCycle  float64       `json:"duty_cycle"`
	Warning    string        `json:"warning,omitempty"`
	Trend      *chains.Trend `json:"trend"`
}

// JSON returns the sample's document.
func (d *TopDoc) JSON() any {
	return topJSON{Seq: d.Seq, TakenAt: d.TakenAt, IntervalNs: d.Interval, PauseNs: d.Pause, MaxPauseNs: d.MaxPause,
		DutyCycle: d.DutyCycle, Warning: d.Warning, Trend: d.Trend}
}

// contResult is what a background Continue returned.
type contResult struct {
	st  model.StopState
	err error
}

// Running is a target resumed in the background by top: it runs until Stop.
type Running struct {
	r    Runner
	done chan contResult
	res  *contResult
}

// Resume continues r's target in the background.
func Resume(r Runner) *Running {
	b := &Running{r: r, done: make(chan contResult, 1)}
	go func() {
		st, err := r.Continue()
		b.done <- contResult{st, err}
	}()
	return b
}

// stopped returns a channel that yields once if the target stops by itself
// (a breakpoint, an exit, an error).
func (b *Running) stopped() <-chan contResult { return b.done }

// Stop halts the target and waits for it to stop: where it stopped, or
// why it could not.
func (b *Running) Stop() (model.StopState, error) {
	if b.res != nil {
		return b.res.st, b.res.err
	}
	select {
	case res := <-b.done:
		b.res = &res
		return res.st, res.err
	default:
	}
	// A Halt that reaches the debugger before the Continue has started is
	// lost (Delve clears a pending stop request when it continues): halt
	// again until the Continue returns.
	deadline := time.Now().Add(haltTimeout)
	var res contResult
	for {
		_, herr := b.r.Halt()
		retry := time.NewTimer(haltRetry)
		select {
		case res = <-b.done:
			retry.Stop()
		case <-retry.C:
			if time.Now().Before(deadline) {
				continue
			}
			if herr != nil {
				return model.StopState{}, fmt.Errorf("halt: %w (the target may still be running)", herr)
			}
			return model.StopState{}, errors.New("halt: the target did not stop")
		}
		break
	}
	b.res = &res
	return res.st, res.err
}

// Top samples a live target: every r.Interval it halts it, reads its
// goroutines, continues it, and hands emit the trend over the last
// samples. It ends after r.Samples samples, when quit yields or is closed,
// when emit fails, or when ctx is cancelled (ErrInterrupted). On every path
// after the first read it returns the target running (resumed, never left
// halted by top) — the caller stops it with Running.Stop when it needs it
// halted again; Running is nil only when the target stopped by itself (a
// breakpoint, its exit) or could not be resumed.
func (q *Querier) Top(ctx context.Context, r TopRequest, run Runner, quit <-chan struct{}, emit func(*TopDoc) error) (*Running, error) {
	if !run.Live() {
		return nil, model.ErrNotLive
	}
	if r.Interval <= 0 {
		r.Interval = time.Second
	}
	if r.Window <= 0 {
		r.Window = DefaultTopWindow
	}
	if r.Samples < 0 {
		return nil, errors.New("-n must be 0 (until stopped) or more")
	}
	key, err := parseTrendKey(r.Group, r.LabelKey)
	if err != nil {
		return nil, err
	}
	var (
		window      []model.Sample
		firstResume time.Time
		paused      time.Duration
		maxPause    time.Duration
	)
	// The target may have been stopped for long (at the prompt): let it run
	// and stop it at once, so that the first sample's time is known.
	bg := Resume(run)
	for seq := 1; ; seq++ {
		if seq > 1 {
			wait := time.NewTimer(r.Interval - time.Since(firstResume)%r.Interval)
			select {
			case <-wait.C:
			case <-ctx.Done():
				wait.Stop()
				return bg, ErrInterrupted
			case <-quit:
				wait.Stop()
				return bg, nil
			case res := <-bg.stopped():
				wait.Stop()
				return nil, stoppedByItself(res)
			}
		}
		haltAsked := time.Now()
		st, err := bg.Stop()
		stoppedAt := time.Now()
		if err != nil {
			return q.resumeAfter(run, fmt.Errorf("halt for sample %d: %w", seq, err))
		}
		if st.Exited {
			return nil, fmt.Errorf("the target exited with status %d", st.ExitStatus)
		}
		if st.Breakpoint != "" {
			return nil, stoppedByItself(contResult{st: st})
		}
		snap, err := q.src.Snapshot(ctx, nil)
		if err != nil {
			return q.resumeAfter(run, fmt.Errorf("sample %d: %w", seq, Interrupted(err)))
		}
		bg = Resume(run)
		resumed := time.Now()
		pause := resumed.Sub(haltAsked)
		if seq == 1 {
			firstResume = resumed
		} else {
			paused += pause
		}
		maxPause = max(maxPause, pause)
		window = append(window, model.Sample{Name: fmt.Sprint(seq), TakenAt: stoppedAt, Snapshot: snap})
		if len(window) > r.Window {
			window = window[1:]
		}
		d, err := topDoc(window, key, r.LabelKey)
		if err != nil {
			return bg, err
		}
		d.Seq, d.Interval, d.Pause, d.MaxPause, d.TakenAt, d.limit = seq, r.Interval, pause, maxPause, stoppedAt, r.Limit
		d.DutyCycle = 1
		if total := resumed.Sub(firstResume); total > 0 {
			d.DutyCycle = 1 - float64(paused)/float64(total)
		}
		if share := float64(pause) / float64(r.Interval); share > maxDuty {
			d.Warning = fmt.Sprintf("this sample stopped the target for %s, %.0f%% of the interval (more than %.0f%%): raise -interval",
				render.HumanDuration(pause), 100*share, 100*maxDuty)
		}
		if err := emit(d); err != nil {
			return bg, err
		}
		if seq == r.Samples {
			return bg, nil
		}
	}
}

// resumeAfter lets the target run again after a failed sample and returns
// err (with the resume's failure, if any).
func (q *Querier) resumeAfter(run Runner, err error) (*Running, error) {
	bg := Resume(run)
	select {
	case res := <-bg.stopped():
		if res.err != nil {
			return nil, fmt.Errorf("%w; resuming the target failed too: %v", err, res.err)
		}
		return nil, fmt.Errorf("%w; the target stopped again at once: %s", err, stopText(res.st))
	case <-time.After(10 * time.Millisecond):
	}
	return bg, err
}

// stoppedByItself is the error top ends with when the target stopped
// without being asked (a breakpoint, its exit): it is left there.
func stoppedByItself(res contResult) error {
	if res.err != nil {
		return fmt.Errorf("the target stopped: %w", res.err)
	}
	return fmt.Errorf("the target stopped by itself (%s); top ended and left it there", stopText(res.st))
}

func stopText(st model.StopState) string {
	switch {
	case st.Exited:
		return fmt.Sprintf("exited with status %d", st.ExitStatus)
	case st.Breakpoint != "":
		return fmt.Sprintf("breakpoint %s, goroutine %d", st.Breakpoint, st.GoroutineID)
	}
	return fmt.Sprintf("goroutine %d at %s:%d", st.GoroutineID, st.Location.File, st.Location.Line)
}

// topDoc compares the window's samples; with fewer than three it shows no
// verdicts, with one only the counts.
func topDoc(window []model.Sample, key chains.GroupKey, labelKey string) (*TopDoc, error) {
	samples := window
	if len(window) == 1 {
		samples = []model.Sample{window[0], window[0]}
	}
	tr, err := chains.Compare(samples, key, labelKey)
	if err != nil {
		return nil, err
	}
	if len(window) == 1 {
		tr.Samples = tr.Samples[:1]
		for i := range tr.Groups {
			g := &tr.Groups[i]
			g.Counts, g.NewPer, g.EndedPer = g.Counts[:1], nil, nil
			g.Stuck, g.Hot = nil, nil
		}
	}
	if len(window) < 3 {
		tr.Verdicts = nil
		for i := range tr.Groups {
			tr.Groups[i].Verdict, tr.Groups[i].Why = "", ""
		}
	}
	return &TopDoc{Trend: tr}, nil
}
