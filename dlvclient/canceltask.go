package dlvclient

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// TrackerCancelHook is the tracker function CancelTask calls in the target
// (tracker/debugger.go): func debuggerCancelTask(id uint64) bool.
const TrackerCancelHook = model.TrackerPackage + ".debuggerCancelTask"

// trackerHookExpr is how the call is written for Delve: the package path is
// quoted because it contains slashes.
const trackerHookExpr = `"` + model.TrackerPackage + `".debuggerCancelTask(%d)`

// defaultSafePoints are the functions CancelTask stops at when the target
// is not already stopped where Delve can inject a call: functions ordinary
// code passes through often, outside the runtime. A program that calls none
// of them (an idle one) leaves CancelTask without a safe point.
var defaultSafePoints = []string{
	"time.Now",
	model.TrackerPackage + ".nowNanos",
}

// callReturnCfg loads the hook's bool result.
var callReturnCfg = api.LoadConfig{MaxStringLen: 64, MaxArrayValues: 4, MaxStructFields: 8}

// safePointTimeout bounds how long CancelTask lets the target run while it
// waits for a goroutine to reach a safe point.
const safePointTimeout = 10 * time.Second

// ErrNoSafePoint is returned when no goroutine reached a point where Delve
// can inject a function call.
var ErrNoSafePoint = errors.New("no goroutine reached a point where a function call can be injected")

// ErrOptimizedTracker is returned when the tracker package of the target
// was compiled with optimizations: Delve cannot call optimized functions.
var ErrOptimizedTracker = errors.New("the target's tracker package is compiled with optimizations, and Delve cannot call optimized functions; " +
	"build the target with -gcflags=\"" + model.TrackerPackage + "=-N -l\"")

// callRetryable tells call failures that another goroutine or stop may not
// have: the goroutine is not running on a thread, or not at a safe point.
func callRetryable(err error) bool {
	return isDelveError(err, errDelveCallNotHere)
}

// CancelTask cancels the context of the live tracker task taskID by calling
// the tracker's debugger hook in the target through Delve: it cancels the
// nearest tracker context of the task (shared with the tasks started from
// the same context). It reports whether a context was cancelled (false: no
// live task with that id, no tracker context, or already cancelled). The
// target runs while Delve performs the call, so the task may already have
// seen the cancellation when CancelTask returns; the target is then stopped
// where the call was made.
//
// Delve injects calls only into a goroutine running on a thread at a safe
// point. CancelTask first tries the selected goroutine; when that is not
// possible (typically after an attach or a halt, where threads sit in the
// runtime), it sets temporary breakpoints at safePoints (defaultSafePoints
// when nil), lets the target run up to safePointTimeout until a goroutine
// stops there (or at any other breakpoint), calls there, and removes the
// temporary breakpoints.
//
// Refused on cores (ErrNotLive). The target's tracker package must be built
// without optimizations (ErrOptimizedTracker).
func (s *Session) CancelTask(taskID uint64) (bool, error) {
	return s.CancelTaskAt(taskID, nil)
}

// CancelTaskAt is CancelTask with the functions to use as safe points.
func (s *Session) CancelTaskAt(taskID uint64, safePoints []string) (bool, error) {
	if err := s.requireLive(); err != nil {
		return false, fmt.Errorf("cancel task %d: %w", taskID, err)
	}
	if taskID == 0 {
		return false, fmt.Errorf("cancel task 0: task ids start at 1")
	}
	if _, _, err := s.client.FindLocation(api.EvalScope{GoroutineID: -1}, TrackerCancelHook, false, nil); err != nil {
		return false, fmt.Errorf("cancel task %d: the target has no %s (does it use the tracker package, at a version with the debugger hook?): %w", taskID, TrackerCancelHook, err)
	}
	expr := fmt.Sprintf(trackerHookExpr, taskID)
	// Delve refuses calls unless the client asked for return values.
	s.client.SetReturnValuesLoadConfig(&callReturnCfg)
	if st, err := s.State(); err == nil && st.GoroutineID > 0 {
		res, err := s.Call(st.GoroutineID, expr)
		if err == nil {
			return parseBool(taskID, res)
		}
		if errors.Is(err, ErrCallInterrupted) || !callRetryable(err) {
			return false, explainCallError(taskID, err)
		}
	}
	st, err := s.runToSafePoint(safePoints)
	if err != nil {
		return false, fmt.Errorf("cancel task %d: %w", taskID, err)
	}
	res, err := s.Call(st.GoroutineID, expr)
	if err != nil {
		return false, explainCallError(taskID, err)
	}
	return parseBool(taskID, res)
}

func parseBool(taskID uint64, res string) (bool, error) {
	switch strings.TrimSpace(res) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("cancel task %d: unexpected result %q from %s", taskID, res, TrackerCancelHook)
}

func explainCallError(taskID uint64, err error) error {
	if errors.Is(err, ErrCallInterrupted) {
		return fmt.Errorf("cancel task %d: %w; the cancellation is under way (a break-cancel breakpoint on this context?): continue to let it finish (the target stops again where the call was made)", taskID, err)
	}
	if isDelveError(err, errDelveOptimizedCall) {
		return fmt.Errorf("cancel task %d: %w (%v)", taskID, ErrOptimizedTracker, err)
	}
	if callRetryable(err) {
		return fmt.Errorf("cancel task %d: %w: %v", taskID, ErrNoSafePoint, err)
	}
	return fmt.Errorf("cancel task %d: %w", taskID, err)
}

// runToSafePoint sets temporary breakpoints at safePoints, continues the
// target until one is hit (or any other breakpoint, or the timeout, after
// which it halts the target), and removes them.
func (s *Session) runToSafePoint(safePoints []string) (State, error) {
	if safePoints == nil {
		safePoints = defaultSafePoints
	}
	var ids []int
	defer func() {
		for _, id := range ids {
			_, _ = s.client.ClearBreakpoint(id)
		}
	}()
	for _, loc := range safePoints {
		bp, err := s.client.CreateBreakpointWithExpr(&api.Breakpoint{}, loc, nil, false)
		if err != nil {
			continue // not in this binary
		}
		ids = append(ids, bp.ID)
	}
	if len(ids) == 0 {
		return State{}, fmt.Errorf("%w: none of the safe-point functions %v is in the binary", ErrNoSafePoint, safePoints)
	}
	type result struct {
		st  State
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := s.Continue()
		done <- result{st, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(safePointTimeout):
		_, _ = s.Halt()
		<-done
		return State{}, fmt.Errorf("%w within %v: no goroutine passed through %v (is the target idle?); the target is stopped", ErrNoSafePoint, safePointTimeout, safePoints)
	}
	if r.err != nil {
		return State{}, r.err
	}
	if r.st.Exited {
		return State{}, fmt.Errorf("%w (exit status %d)", ErrExited, r.st.ExitStatus)
	}
	if r.st.GoroutineID <= 0 {
		return State{}, fmt.Errorf("%w: the target stopped without a selected goroutine", ErrNoSafePoint)
	}
	return r.st, nil
}
