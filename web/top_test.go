package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/query"
)

// fakeTarget is a live target whose goroutine count grows by one each
// time it runs: Continue runs until Halt (or, with exitAt, exits when
// halted into that run).
type fakeTarget struct {
	query.Source // only Snapshot, Cached and TrackerError are called
	mu           sync.Mutex
	runs         int
	running      bool
	snap         *model.Snapshot
	halt         chan struct{}
	exitAt       int
	halts        int
}

func newFakeTarget() *fakeTarget { return &fakeTarget{halt: make(chan struct{}, 1), exitAt: -1} }

func (f *fakeTarget) Live() bool { return true }

func (f *fakeTarget) Continue() (model.StopState, error) {
	f.mu.Lock()
	if f.running {
		f.mu.Unlock()
		panic("continue of a running target")
	}
	f.running, f.snap = true, nil
	f.runs++
	f.mu.Unlock()
	<-f.halt
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running = false
	if f.runs == f.exitAt {
		return model.StopState{Exited: true, ExitStatus: 2}, nil
	}
	return model.StopState{GoroutineID: 1}, nil
}

func (f *fakeTarget) Halt() (model.StopState, error) {
	f.mu.Lock()
	f.halts++
	running := f.running
	f.mu.Unlock()
	if !running { // as Delve: a halt before the continue resumed is lost
		return model.StopState{}, nil
	}
	select {
	case f.halt <- struct{}{}:
	default:
	}
	return model.StopState{}, nil
}

func (f *fakeTarget) CancelTask(uint64) (bool, error) { return false, nil }

func (f *fakeTarget) Snapshot(context.Context, model.Progress) (*model.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running {
		panic("snapshot of a running target")
	}
	if f.snap == nil {
		f.snap = &model.Snapshot{Target: model.Target{Live: true}}
		for i := 0; i <= f.runs; i++ {
			f.snap.Goroutines = append(f.snap.Goroutines, model.Goroutine{ID: int64(i + 1), Status: model.StatusWaiting,
				WaitReason: "chan receive", GoStatement: model.Location{Function: "main.leak", File: "/src/main.go", Line: 9}})
		}
	}
	return f.snap, nil
}

func (f *fakeTarget) Cached() *model.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeTarget) TrackerError() error { return nil }

func (f *fakeTarget) isRunning() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.running
}

// post sends a state-changing request as the page does.
func post(t *testing.T, s *Server, path string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+path, strings.NewReader(""))
	req.Header.Set(TokenHeader, s.Token())
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	var body map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	return w.Code, body
}

// settled checks the session lock matches the target: held by the run
// while it runs, free once it is stopped.
func settled(t *testing.T, s *Server, f *fakeTarget) {
	t.Helper()
	if r := s.currentRun(); r != nil {
		require.True(t, s.lock.Running())
		_, err := s.stopRun(r, false)
		require.NoError(t, err)
	}
	require.False(t, f.isRunning())
	require.False(t, s.lock.Running())
	require.True(t, s.lock.TryAcquire(), "the session is free once the target is stopped")
	s.lock.Release()
}

func TestSampleRunsAndHandsTheSessionOver(t *testing.T) {
	f := newFakeTarget()
	s, err := New(f, f, nil)
	require.NoError(t, err)

	// A stopped target runs a moment, is sampled and stays stopped.
	code, body := post(t, s, "/api/top/sample")
	require.Equal(t, http.StatusOK, code, body)
	assert.False(t, f.isRunning())
	assert.Equal(t, 1, f.runs)
	// Every N s: sampled, then let run.
	code, body = post(t, s, "/api/top/sample?run=1")
	require.Equal(t, http.StatusOK, code, body)
	assert.True(t, s.lock.Running(), "the run holds the session")
	require.Eventually(t, f.isRunning, 10*time.Second, time.Millisecond)
	// Sampled while running: halted, read, let run again, the pause kept.
	code, body = post(t, s, "/api/top/sample")
	require.Equal(t, http.StatusOK, code, body)
	assert.True(t, s.lock.Running())
	require.Eventually(t, f.isRunning, 10*time.Second, time.Millisecond)
	view := body["view"].(map[string]any)
	assert.Positive(t, view["pause_ns"])
	g := view["groups"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{2.0, 3.0, 4.0}, g["counts"], "one more goroutine a run")

	// A halt and samples at once: whoever wins, the session ends consistent.
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i == 0 {
				post(t, s, "/api/halt")
			} else {
				post(t, s, "/api/top/sample?run=1")
			}
		}(i)
	}
	wg.Wait()
	settled(t, s, f)
}

func TestSampleRefusals(t *testing.T) {
	f := newFakeTarget()
	s, err := New(f, f, nil)
	require.NoError(t, err)
	// The prompt continued the target: it holds the session.
	require.True(t, s.lock.TryAcquire())
	s.lock.SetRunning(true)
	code, body := post(t, s, "/api/top/sample")
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, body["error"], "the prompt continued the target")
	s.lock.SetRunning(false)
	s.lock.Release()

	// The target exits when halted for the sample.
	f.exitAt = 2
	code, body = post(t, s, "/api/top/sample?run=1")
	require.Equal(t, http.StatusOK, code, body)
	code, body = post(t, s, "/api/top/sample")
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, "the target stopped by itself (it exited with status 2): sampling ended", body["error"])
	settled(t, s, f)

	// A bad grouping.
	code, body = post(t, s, "/api/top/sample?group=stack")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, body["error"], "reads every stack")
}

func TestTopViewWhileRunning(t *testing.T) {
	f := newFakeTarget()
	s, err := New(f, f, nil)
	require.NoError(t, err)
	get := func() map[string]any {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/api/top?group=location", nil)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var body map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
		return body
	}
	assert.Nil(t, get()["view"], "no sample yet")
	for i := 0; i < 3; i++ {
		code, body := post(t, s, "/api/top/sample?run=1")
		require.Equal(t, http.StatusOK, code, body)
	}
	// Reading the samples does not touch the running target.
	body := get()
	assert.Equal(t, true, body["running"])
	assert.Equal(t, 3.0, body["view"].(map[string]any)["samples"])
	code, body := post(t, s, "/api/top/clear")
	require.Equal(t, http.StatusOK, code)
	assert.Nil(t, body["view"])
	settled(t, s, f)
}
