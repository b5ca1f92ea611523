package dlvclient

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// State is where the target stopped after an execution command.
type State = model.StopState

func convertState(st *api.DebuggerState) State {
	out := State{Exited: st.Exited, ExitStatus: st.ExitStatus}
	if st.SelectedGoroutine != nil {
		out.GoroutineID = st.SelectedGoroutine.ID
		out.Location = convertLocation(st.SelectedGoroutine.CurrentLoc)
	}
	if th := st.CurrentThread; th != nil {
		if out.Location.IsZero() {
			out.Location = model.Location{File: th.File, Line: th.Line, PC: th.PC}
			if th.Function != nil {
				out.Location.Function = th.Function.Name()
			}
		}
		if th.Breakpoint != nil {
			out.Breakpoint = breakpointName(th.Breakpoint)
		}
	}
	return out
}

func breakpointName(bp *api.Breakpoint) string {
	if bp.Name != "" {
		return bp.Name
	}
	if name, ok := internalBreakpointNames[bp.ID]; ok {
		return name
	}
	return fmt.Sprintf("%d", bp.ID)
}

// requireLive refuses execution commands on cores and exited targets.
func (s *Session) requireLive() error {
	if !s.target.Live {
		return ErrNotLive
	}
	if exited, status := s.Exited(); exited {
		return fmt.Errorf("%w (exit status %d)", ErrExited, status)
	}
	return nil
}

// noteState records an exit and drops cached reads after the target ran.
func (s *Session) noteState(st *api.DebuggerState, err error) (State, error) {
	s.invalidate()
	if err != nil {
		return State{}, s.checkExited(err)
	}
	if st.Exited {
		s.mu.Lock()
		s.exited, s.status = true, st.ExitStatus
		s.mu.Unlock()
	}
	if st.Err != nil {
		return convertState(st), st.Err
	}
	return convertState(st), nil
}

// Continue resumes the target until a breakpoint, an exit, or Halt.
func (s *Session) Continue() (State, error) {
	st, err := s.continueTarget()
	return st, s.afterStop(err)
}

func (s *Session) continueTarget() (State, error) {
	if err := s.requireLive(); err != nil {
		return State{}, err
	}
	var last *api.DebuggerState
	if err := s.running(func() {
		for st := range s.client.Continue() {
			last = st
			if st.Err != nil {
				break
			}
		}
	}); err != nil {
		return State{}, err
	}
	if last == nil {
		return s.noteState(nil, errors.New("continue: no answer from the debugger"))
	}
	if status, exited := delveExitStatus(last.Err); exited {
		s.invalidate()
		s.mu.Lock()
		s.exited = true
		s.mu.Unlock()
		st := State{Exited: true, ExitStatus: status}
		s.mu.Lock()
		s.status = st.ExitStatus
		s.mu.Unlock()
		return st, nil
	}
	return s.noteState(last, nil)
}

// Halt stops a running target; safe to call while Continue runs.
func (s *Session) Halt() (State, error) {
	if err := s.requireLive(); err != nil {
		return State{}, err
	}
	st, err := s.client.Halt()
	return s.noteState(st, err)
}

// Next steps over to the next source line of the selected goroutine.
func (s *Session) Next() (State, error) { return s.step(s.client.Next) }

// Step steps into the next source line.
func (s *Session) Step() (State, error) { return s.step(s.client.Step) }

// StepOut runs until the current function returns.
func (s *Session) StepOut() (State, error) { return s.step(s.client.StepOut) }

// step runs one stepping command. If another goroutine hits a breakpoint
// first, the target stays stopped there and the unfinished step is
// cancelled, so that the next command starts from a clean state.
func (s *Session) step(run func() (*api.DebuggerState, error)) (State, error) {
	st, err := s.stepTarget(run)
	return st, s.afterStop(err)
}

func (s *Session) stepTarget(run func() (*api.DebuggerState, error)) (State, error) {
	if err := s.requireLive(); err != nil {
		return State{}, err
	}
	var st *api.DebuggerState
	var err error
	if rerr := s.running(func() { st, err = run() }); rerr != nil {
		return State{}, rerr
	}
	out, err := s.noteState(st, err)
	if err == nil && st != nil && st.NextInProgress {
		if cerr := s.client.CancelNext(); cerr != nil {
			return out, fmt.Errorf("cancel the interrupted step: %w", cerr)
		}
		out.StepInterrupted = true
	}
	return out, err
}

// SwitchGoroutine selects goroutine id for stepping and printing.
func (s *Session) SwitchGoroutine(id int64) (State, error) {
	st, err := s.client.SwitchGoroutine(id)
	if err != nil {
		if isDelveError(err, errDelveUnknownGoroutine) || isDelveError(err, errDelveGoroutineNotFound) {
			return State{}, fmt.Errorf("goroutine %d: %w", id, ErrUnknownGoroutine)
		}
		return State{}, fmt.Errorf("switch to goroutine %d: %w", id, err)
	}
	return convertState(st), nil
}

// State returns the current state without running the target.
func (s *Session) State() (State, error) {
	st, err := s.client.GetStateNonBlocking()
	if err != nil {
		return State{}, err
	}
	return convertState(st), nil
}

// Breakpoint is a breakpoint set in the target.
type Breakpoint = model.Breakpoint

func convertBreakpoint(bp *api.Breakpoint) Breakpoint {
	b := Breakpoint{ID: bp.ID, Name: bp.Name, Cond: bp.Cond, Location: model.Location{Function: bp.FunctionName, File: bp.File, Line: bp.Line, PC: bp.Addr}}
	for _, n := range bp.HitCount {
		b.HitCount += n
	}
	return b
}

// Break sets a breakpoint at a Delve location spec (main.f, file.go:12,
// *0xaddr), with an optional condition.
func (s *Session) Break(spec, cond string) (Breakpoint, error) {
	if err := s.requireLive(); err != nil {
		return Breakpoint{}, err
	}
	bp, err := s.client.CreateBreakpointWithExpr(&api.Breakpoint{Cond: cond}, spec, nil, false)
	if err != nil {
		return Breakpoint{}, fmt.Errorf("break %s: %w", spec, err)
	}
	return convertBreakpoint(bp), nil
}

// Breakpoints lists the user's breakpoints.
func (s *Session) Breakpoints() ([]Breakpoint, error) {
	bps, err := s.client.ListBreakpoints(false)
	if err != nil {
		return nil, err
	}
	var out []Breakpoint
	for _, bp := range bps {
		if bp.ID > 0 {
			out = append(out, convertBreakpoint(bp))
		}
	}
	return out, nil
}

// ClearBreakpoint removes the breakpoint with the given id or name.
func (s *Session) ClearBreakpoint(idOrName string) (Breakpoint, error) {
	var id int
	var bp *api.Breakpoint
	var err error
	if _, serr := fmt.Sscanf(idOrName, "%d", &id); serr == nil && fmt.Sprint(id) == idOrName {
		bp, err = s.client.ClearBreakpoint(id)
	} else {
		bp, err = s.client.ClearBreakpointByName(idOrName)
	}
	if err != nil {
		return Breakpoint{}, fmt.Errorf("clear %s: %w", idOrName, err)
	}
	return convertBreakpoint(bp), nil
}

// Eval evaluates expr in goroutine gid's frame (gid -1: the selected one) and
// returns its value as Delve prints it. frame counts from the innermost
// frame, at most MaxStackDepth.
func (s *Session) Eval(gid int64, frame int, expr string) (string, error) {
	if err := checkRange("frame", frame, 0, MaxStackDepth); err != nil {
		return "", fmt.Errorf("print %s: %w", expr, err)
	}
	cfg := api.LoadConfig{FollowPointers: true, MaxVariableRecurse: 1, MaxStringLen: 256, MaxArrayValues: 64, MaxStructFields: -1}
	v, err := s.client.EvalVariable(api.EvalScope{GoroutineID: gid, Frame: frame}, expr, cfg)
	if err != nil {
		return "", fmt.Errorf("print %s: %w", expr, err)
	}
	return v.StringWithOptions("", "", api.PrettyNewlines|api.PrettyShortenType), nil
}

// Dump writes a core dump of the live target to path through Delve.
func (s *Session) Dump(path string) error {
	if err := s.requireLive(); err != nil {
		return err
	}
	st, err := s.client.CoreDumpStart(path)
	if err != nil {
		return fmt.Errorf("dump %s: %w", path, err)
	}
	for st.Dumping {
		st = s.client.CoreDumpWait(1000)
		if st.Dumping {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if st.Err != "" {
		return fmt.Errorf("dump %s: %s", path, st.Err)
	}
	return nil
}

// Call injects a call of expr into goroutine gid of a live target.
func (s *Session) Call(gid int64, expr string) (string, error) {
	v, err := s.callTarget(gid, expr)
	return v, s.afterStop(err)
}

func (s *Session) callTarget(gid int64, expr string) (string, error) {
	if err := s.requireLive(); err != nil {
		return "", err
	}
	// Delve refuses calls until the client says how to load return values.
	s.client.SetReturnValuesLoadConfig(&api.LoadConfig{FollowPointers: true, MaxVariableRecurse: 1, MaxStringLen: 256, MaxArrayValues: 64, MaxStructFields: -1})
	var st *api.DebuggerState
	var err error
	if rerr := s.running(func() { st, err = s.client.Call(gid, expr, false) }); rerr != nil {
		return "", rerr
	}
	if _, err := s.noteState(st, err); err != nil {
		return "", fmt.Errorf("call %s: %w", expr, err)
	}
	if th := st.CurrentThread; th != nil && th.Breakpoint != nil {
		// The call ran into a breakpoint: it is still in flight, and
		// finishes when the target continues.
		return "", fmt.Errorf("call %s: %w %s", expr, ErrCallInterrupted, breakpointName(th.Breakpoint))
	}
	var parts []string
	if st.CurrentThread != nil {
		for _, v := range st.CurrentThread.ReturnValues {
			parts = append(parts, v.SinglelineString())
		}
	}
	return strings.Join(parts, ", "), nil
}

// Delve's internal breakpoints (unrecovered-panic, id -1, at
// runtime.fatalpanic; runtime-fatal-throw, id -2, at runtime.throw, fatal
// and fatalsignal) are int3 instructions in the target's code. A debugger
// that dies — even by SIGKILL, which nothing can catch — leaves them there,
// and the target's next panic, throw or SIGQUIT then dies of SIGTRAP without
// a traceback. So they are only in the target while it runs (continue, the
// stepping commands, call), where they stop it at a panic; while dlv-tasks
// reads the stopped target or waits at the prompt the code is the target's
// own. Sessions that own their Delve (attach, exec) do this; a connect
// session leaves its server's breakpoints to the server.

// internalBreakpointNames are the names Delve gives its internal
// breakpoints; disarming drops the name (Delve's RPC refuses names with a
// dash), so they are shown by id.
var internalBreakpointNames = map[int]string{-1: "unrecovered-panic", -2: "runtime-fatal-throw"}

// ownsBreakpoints reports whether this session manages Delve's internal
// breakpoints: an embedded Delve debugging a live process.
func (s *Session) ownsBreakpoints() bool {
	return s.server != nil && s.target.Live
}

// disarmInternal takes Delve's enabled internal breakpoints out of the
// target's code, remembering them for armInternal.
func (s *Session) disarmInternal() error {
	if !s.ownsBreakpoints() {
		return nil
	}
	if exited, _ := s.Exited(); exited {
		s.parked = nil
		return nil
	}
	bps, err := s.client.ListBreakpoints(false)
	if err != nil {
		return fmt.Errorf("list Delve's internal breakpoints: %w", err)
	}
	for _, bp := range bps {
		if bp.ID >= 0 || bp.Disabled {
			continue
		}
		amend := *bp
		amend.Disabled, amend.Name = true, ""
		if err := s.client.AmendBreakpoint(&amend); err != nil {
			return fmt.Errorf("remove Delve's breakpoint %d from the target's code: %w", bp.ID, err)
		}
		s.parked = append(s.parked, amend)
	}
	return nil
}

// armInternal puts back the internal breakpoints disarmInternal removed,
// before the target runs.
func (s *Session) armInternal() error {
	parked := s.parked
	s.parked = nil
	for _, bp := range parked {
		bp.Disabled = false
		if err := s.client.AmendBreakpoint(&bp); err != nil {
			return fmt.Errorf("restore Delve's breakpoint %d before running the target: %w", bp.ID, err)
		}
	}
	return nil
}

// afterStop takes the internal breakpoints out once an execution command
// has returned; err is the command's own error, which comes first.
func (s *Session) afterStop(err error) error {
	if derr := s.disarmInternal(); derr != nil && err == nil {
		return derr
	}
	return err
}

// running runs an execution command with Delve's internal breakpoints in
// place, exempt from the call timeout, and takes them out again once the
// target stopped.
func (s *Session) running(f func()) error {
	if err := s.armInternal(); err != nil {
		return err
	}
	s.runUnbounded(f)
	return nil
}
