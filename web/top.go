package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
)

// haltWait bounds how long a halt waits for the target's Continue to
// return; haltRetry is how long it waits before asking again (a halt that
// reaches Delve before its continue has resumed the target is dropped).
var haltWait = 10 * time.Second

const haltRetry = 20 * time.Millisecond

// defaultTopLimit is how many groups the Top page shows unless asked.
const defaultTopLimit = 100

// webRun is the target the web view continued, while its Continue runs.
type webRun struct {
	done chan struct{} // closed when Continue has returned
	// keep is set (under Server.mu) by a sample that takes the session
	// over when Continue returns, instead of the run releasing it.
	keep bool
	st   model.StopState
	err  error
}

// startRun continues the target in the background; the caller holds the
// session lock, which the run keeps until the target stops. It returns the
// run and when the target was let run.
func (s *Server) startRun() (*webRun, time.Time) {
	r := &webRun{done: make(chan struct{})}
	s.mu.Lock()
	s.run = r
	s.mu.Unlock()
	s.lock.setRunning(true)
	resumed := time.Now()
	go func() {
		st, err := s.ctl.Continue()
		s.noteStop(st, err)
		s.mu.Lock()
		keep := r.keep
		r.st, r.err = st, err
		s.run = nil
		s.mu.Unlock()
		s.lock.setRunning(false)
		if !keep {
			s.lock.Release()
		}
		close(r.done)
	}()
	return r, resumed
}

// currentRun is the target the web view continued, while it runs, or nil.
func (s *Server) currentRun() *webRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.run
}

// stopRun halts run's target and waits until its Continue returns. With
// keep the caller then holds the session lock (owned), unless another
// caller took it over first; otherwise, or when the target had already
// stopped by itself, the run released it.
func (s *Server) stopRun(r *webRun, keep bool) (owned bool, err error) {
	s.mu.Lock()
	if s.run != r { // it stopped by itself: the run released the session
		s.mu.Unlock()
		<-r.done
		return false, nil
	}
	mine := keep && !r.keep // one caller takes the session over
	if mine {
		r.keep = true
	}
	s.mu.Unlock()
	deadline := time.Now().Add(haltWait)
	for {
		_, herr := s.ctl.Halt()
		retry := time.NewTimer(haltRetry)
		select {
		case <-r.done:
			retry.Stop()
			return mine, nil
		case <-retry.C:
		}
		if time.Now().Before(deadline) {
			continue
		}
		s.mu.Lock()
		if s.run == r { // still running: the run releases the lock when it stops
			if mine {
				r.keep = false
			}
			s.mu.Unlock()
			if herr != nil {
				return false, fmt.Errorf("halt: %w (the target may still be running)", herr)
			}
			return false, errors.New("halt: the target did not stop")
		}
		s.mu.Unlock()
		<-r.done // it stopped as the deadline passed
		return mine, nil
	}
}

// topParams reads the Top page's grouping: group (a top -group key),
// label (the key for group=label) and limit.
func topParams(r *http.Request) (group, label string, limit int) {
	group, label = r.FormValue("group"), r.FormValue("label")
	limit = defaultTopLimit
	if n, err := strconv.Atoi(r.FormValue("limit")); err == nil && n > 0 {
		limit = n
	}
	return group, label, limit
}

// topAnswer is what the Top endpoints answer.
type topAnswer struct {
	Live    bool `json:"live"`
	Running bool `json:"running"`
	// View is the top document over the samples kept, null before the
	// first.
	View *query.TopView `json:"view"`
	// Window is how many samples the trend covers at most.
	Window int `json:"window"`
}

// top answers the Top page: on a live target the samples taken so far
// (without touching the target, so also while it runs); on a core its one
// snapshot's counts.
func (s *Server) top(w http.ResponseWriter, r *http.Request) {
	group, label, limit := topParams(r)
	if _, err := query.ParseTrendKey(group, label); err != nil {
		writeError(w, badRequest("%v", err))
		return
	}
	if !s.live() {
		s.read(func(ctx context.Context, _ *http.Request) (any, error) {
			d, err := s.q.TopOne(ctx, group, label, limit)
			if err != nil {
				return nil, err
			}
			v := d.View()
			return topAnswer{View: &v, Window: 1}, nil
		})(w, r)
		return
	}
	a, err := s.topView(group, label, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) topView(group, label string, limit int) (topAnswer, error) {
	a := topAnswer{Live: true, Running: s.lock.Running(), Window: query.DefaultTopWindow}
	s.topMu.Lock()
	defer s.topMu.Unlock()
	if s.series.Len() == 0 {
		if _, err := query.ParseTrendKey(group, label); err != nil {
			return a, badRequest("%v", err)
		}
		return a, nil
	}
	d, err := s.series.Doc(group, label, limit)
	if err != nil {
		return a, badRequest("%v", err)
	}
	v := d.View()
	a.View = &v
	return a, nil
}

// topSample takes one sample of a live target. A target the web view
// continued is halted, read and let run again (the pause is what that cost
// it). A stopped target is first let run for a moment and halted, as top
// does at the prompt, so that the sample's time is known (a stop's own
// time is not: it may be minutes old); it is then left stopped, unless
// run=1 asks to let it run on (the page's "every N s").
func (s *Server) topSample(ctx context.Context, r *http.Request) (any, error) {
	group, label, limit := topParams(r)
	if _, err := query.ParseTrendKey(group, label); err != nil {
		return nil, badRequest("%v", err)
	}
	letRun := r.FormValue("run") == "1"
	haltAsked := time.Now()
	acquire := func() error {
		wait, cancel := context.WithTimeout(ctx, lockWait)
		defer cancel()
		if err := s.lock.Acquire(wait); err != nil {
			return &httpError{http.StatusServiceUnavailable, errors.New("the session is busy (a command at the prompt): try again")}
		}
		return nil
	}
	run := s.currentRun()
	wasRunning := run != nil
	if !wasRunning {
		if s.lock.Running() {
			return nil, &httpError{http.StatusConflict, errors.New("the prompt continued the target: halt it (here or at the prompt) to sample it")}
		}
		if err := acquire(); err != nil {
			return nil, err
		}
		run, _ = s.startRun() // for a moment: the stop below is then known
	}
	owned, err := s.stopRun(run, true)
	if err != nil {
		return nil, err
	}
	if !owned { // it stopped by itself and let the session go
		if err := acquire(); err != nil {
			return nil, err
		}
	}
	// The session is ours now.
	if run.err != nil || run.st.Exited {
		s.lock.Release()
		return nil, &httpError{http.StatusConflict, fmt.Errorf("the target stopped by itself (%s): sampling ended", stopText(run.st, run.err))}
	}
	atBreakpoint := run.st.Breakpoint != ""
	sample, err := s.q.SampleNow(ctx)
	var resumed time.Time
	if (wasRunning || letRun) && !atBreakpoint {
		_, resumed = s.startRun() // the run holds the session from here
	} else {
		s.lock.Release()
	}
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	var pause time.Duration
	if wasRunning && !resumed.IsZero() {
		pause = resumed.Sub(haltAsked)
	}
	s.topMu.Lock()
	err = s.series.Add(sample, pause, resumed)
	s.topMu.Unlock()
	if err != nil {
		return nil, &httpError{http.StatusConflict, err}
	}
	if atBreakpoint {
		return nil, &httpError{http.StatusConflict, fmt.Errorf("sample taken; the target stopped by itself (%s): sampling ended and left it there", stopText(run.st, nil))}
	}
	return s.topView(group, label, limit)
}

// topClear forgets the samples taken.
func (s *Server) topClear(_ context.Context, r *http.Request) (any, error) {
	s.topMu.Lock()
	s.series = query.NewTopSeries(0)
	s.topMu.Unlock()
	group, label, limit := topParams(r)
	return s.topView(group, label, limit)
}

func stopText(st model.StopState, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case st.Exited:
		return fmt.Sprintf("it exited with status %d", st.ExitStatus)
	case st.Breakpoint != "":
		return fmt.Sprintf("breakpoint %s, goroutine %d", st.Breakpoint, st.GoroutineID)
	}
	return "it stopped"
}
