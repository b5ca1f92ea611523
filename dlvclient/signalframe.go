package dlvclient

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Two kinds of goroutines have stacks that Delve's thread-based unwinding
// does not show as the runtime does:
//
//   - a goroutine in a system call or a cgo call (status syscall): its thread
//     is in C, or (in a crash core) in the runtime's signal handler, and the
//     Go frames are only reachable from what entersyscall saved,
//     runtime.g.syscallpc and syscallsp: the runtime's traceback starts there
//     (cgocall → _Cfunc_f → the Go caller);
//   - a goroutine that a signal interrupted (the goroutine running on the
//     thread that crashed): its frames start at the pc and sp of the
//     signal's register context, which the runtime's handler received as
//     sigtrampgo's ctx; Delve takes that pc for a return address and loses
//     frames (a leaf function without a frame).
//
// Both are unwound here with the runtime's own frame tables (pcsp), as the
// runtime's traceback does. linux/amd64 targets only.
//
// A third kind, a goroutine that is parked but still its thread's current
// goroutine (a cgo callback parked on its locked extra M), is read from its
// saved registers (g.sched, Delve's StacktraceG), as the runtime does for
// every goroutine that is not running.

// maxUnwindFrames bounds an unwind from a register context.
const maxUnwindFrames = 1024

// ucontext_t offsets on linux/amd64: uc_mcontext.gregs starts at 40; REG_RSP
// is gregs[15], REG_RIP gregs[16].
const (
	ucontextRSP = 40 + 15*8
	ucontextRIP = 40 + 16*8
)

// unwindFrom unwinds a goroutine's stack from pc and sp with the runtime's
// frame tables. trap says pc is where a signal interrupted the code (looked
// up as is), else it is a return address (looked up at pc-1, as every
// caller's). Frame 0 keeps Delve's convention: the line of pc itself.
func (s *Session) unwindFrom(pc, sp uint64, trap bool) ([]model.Frame, bool) {
	t := s.inlines()
	if t == nil || t.funcs == nil || t.pcln == nil {
		return nil, false
	}
	m := &memWindows{read: readExamine(s.memoryClient().ExamineMemory)}
	var out []model.Frame
	for i := 0; i < maxUnwindFrames && pc != 0; i++ {
		lookup := pc
		if !trap {
			lookup = pc - 1
		}
		fn := t.pcln.PCToFunc(lookup)
		if fn == nil {
			if i == 0 {
				return nil, false
			}
			out = append(out, model.Frame{Location: model.Location{PC: pc}, Err: fmt.Sprintf("no function at %#x", pc)})
			break
		}
		at := lookup
		if i == 0 {
			at = pc // Delve's frame-0 convention
		}
		file, line, _ := t.lineAt(at)
		out = append(out, expandFrame(t, lookup, model.Location{Function: fn.Name, File: file, Line: line, PC: pc})...)
		if fn.Name == "runtime.goexit" || fn.Name == "runtime.mstart" {
			break
		}
		// The runtime injects asyncPreempt and sigpanic as if called at the
		// interrupted instruction: the pc they return to is exact.
		trap = fn.Name == "runtime.asyncPreempt" || fn.Name == "runtime.sigpanic"
		delta, _, ok := t.funcs.spDelta(lookup)
		if !ok || delta < 0 {
			out = append(out, model.Frame{Location: model.Location{PC: pc}, Err: "no frame size for " + fn.Name})
			break
		}
		b, err := m.bytes(sp+uint64(delta), 8)
		if err != nil {
			out = append(out, model.Frame{Location: model.Location{PC: pc}, Err: err.Error()})
			break
		}
		pc, sp = binary.LittleEndian.Uint64(b), sp+uint64(delta)+8
	}
	return out, len(out) > 0
}

// signalContext finds, in Delve's frames of goroutine gid, the runtime's
// signal handler entry (runtime.sigtrampgo) that interrupted the goroutine's
// own code, and returns the interrupted pc and sp from its register context.
func (s *Session) signalContext(gid int64, frames []api.Stackframe) (pc, sp uint64, ok bool) {
	k := -1
	for i, f := range frames {
		if f.Function != nil && f.Function.Name() == "runtime.sigtrampgo" {
			k = i
		}
	}
	if k < 0 || k+1 >= len(frames) {
		return 0, 0, false
	}
	v, err := s.client.EvalVariable(api.EvalScope{GoroutineID: gid, Frame: k}, "ctx", shallowCfg)
	if err != nil || v.Unreadable != "" {
		return 0, 0, false
	}
	ctx, err := strconv.ParseUint(strings.TrimPrefix(v.Value, "0x"), pointerBase(v.Value), 64)
	if err != nil || ctx == 0 {
		return 0, 0, false
	}
	regs, _, err := s.memoryClient().ExamineMemory(ctx+ucontextRSP, 16)
	if err != nil || len(regs) != 16 {
		return 0, 0, false
	}
	return binary.LittleEndian.Uint64(regs[8:]), binary.LittleEndian.Uint64(regs), true
}

func pointerBase(v string) int {
	if strings.HasPrefix(v, "0x") {
		return 16
	}
	return 10
}

// runtimeFrames returns goroutine gid's stack as the runtime's traceback
// walks it where Delve's does not (see above): from syscallpc/syscallsp for
// a goroutine in a system or cgo call, from the signal context for one a
// signal interrupted. ok is false for every other goroutine.
func (s *Session) runtimeFrames(gid int64, r *rawG, delve []api.Stackframe) ([]model.Frame, bool) {
	if r != nil && r.status == gSyscall && r.syscallsp != 0 && r.syscallpc != 0 {
		if fr, ok := s.unwindFrom(r.syscallpc, r.syscallsp, false); ok {
			return fr, true
		}
	}
	if r != nil && r.status != gRunning && r.status != gSyscall {
		return s.savedFrames(gid, delve)
	}
	if pc, sp, ok := s.signalContext(gid, delve); ok {
		return s.unwindFrom(pc, sp, true)
	}
	return nil, false
}

// savedFrames is the stack of a goroutine that is not running, from its
// saved registers, when Delve unwound something else (its thread's current
// frames); ok is false when both agree.
func (s *Session) savedFrames(gid int64, delve []api.Stackframe) ([]model.Frame, bool) {
	frames, err := s.client.Stacktrace(gid, max(len(delve), DefaultStackDepth), 0, api.StacktraceG, nil)
	if err != nil || len(frames) == 0 || (len(delve) > 0 && delve[0].PC == frames[0].PC) {
		return nil, false
	}
	return regroupFrames(s.inlines(), convertFrames(frames)), true
}

// stackOverride is runtimeFrames for `where`: the goroutine's status and
// syscall registers are read through Delve's runtime.curg of its scope.
// depth bounds the frames returned.
func (s *Session) stackOverride(gid int64, delve []api.Stackframe, depth int) ([]model.Frame, bool) {
	t := s.inlines()
	if t == nil || t.funcs == nil {
		return nil, false
	}
	scope := api.EvalScope{GoroutineID: gid}
	word := func(expr string) uint64 {
		v, err := s.client.EvalVariable(scope, expr, shallowCfg)
		if err != nil || v.Unreadable != "" {
			return 0
		}
		n, _ := strconv.ParseUint(v.Value, 10, 64)
		return n
	}
	// The snapshot of this stop, when there is one, says the status and
	// whether a thread runs the goroutine: no reads for a parked one.
	r, threaded := &rawG{goid: gid}, true
	s.mu.Lock()
	snap := s.snap
	s.mu.Unlock()
	if g := snapGoroutine(snap, gid); g != nil {
		threaded = g.ThreadID != 0
		switch g.Status {
		case model.StatusRunning:
			r.status = gRunning
		case model.StatusSyscall:
			r.status = gSyscall
		default:
			r.status = gWaiting
		}
	} else {
		r.status = word("runtime.curg.atomicstatus.value") & gStatusMask
	}
	if r.status == gSyscall {
		r.syscallpc, r.syscallsp = word("runtime.curg.syscallpc"), word("runtime.curg.syscallsp")
	}
	if r.status != gRunning && r.status != gSyscall && !threaded && !hasInjectedCall(delve) {
		return nil, false // parked, no thread: Delve read its saved registers
	}
	fr, ok := s.runtimeFrames(gid, r, delve)
	if !ok && r.status != gRunning && hasInjectedCall(delve) {
		// Delve takes the pc an injected call returns to for a return
		// address and loses the frame above it: unwind from g.sched.
		if pc, sp := word("runtime.curg.sched.pc"), word("runtime.curg.sched.sp"); pc != 0 && sp != 0 {
			fr, ok = s.unwindFrom(pc, sp, false)
		}
	}
	if ok && depth > 0 && len(fr) > depth {
		fr = fr[:depth]
	}
	return fr, ok
}

// userFrameFromStack finds goroutine gid's user location in its stack, for
// a goroutine Delve found none for (Delve misses inlined user frames, and
// skips physical functions without a package, like cgo's _cgoexp_ wrappers).
func (s *Session) userFrameFromStack(g *model.Goroutine) {
	frames, err := s.Stack(g.ID, DefaultStackDepth)
	if err != nil {
		return
	}
	for _, f := range frames {
		if isUserFunction(f.Function) {
			g.Location = f.Location
			return
		}
	}
}

// snapGoroutine is snap.Goroutine(id), nil for a nil snapshot.
func snapGoroutine(snap *model.Snapshot, id int64) *model.Goroutine {
	if snap == nil {
		return nil
	}
	return snap.Goroutine(id)
}

// hasInjectedCall reports a frame of a call the runtime injects at an
// interrupted instruction (asynchronous preemption, a signal panic).
func hasInjectedCall(frames []api.Stackframe) bool {
	for _, f := range frames {
		if f.Function != nil && (f.Function.Name() == "runtime.asyncPreempt" || f.Function.Name() == "runtime.sigpanic") {
			return true
		}
	}
	return false
}

// fixThreadLocations replaces, for a goroutine in a system or cgo call or on
// a thread (where a signal may have interrupted it), Delve's current and
// user locations with those of the runtime's frames.
func (s *Session) fixThreadLocations(g *model.Goroutine, r *rawG) {
	if r.status != gSyscall && g.ThreadID == 0 {
		return
	}
	var delve []api.Stackframe
	if r.status == gRunning {
		var err error
		if delve, err = s.client.Stacktrace(g.ID, DefaultStackDepth, 0, 0, nil); err != nil {
			return
		}
	}
	fr, ok := s.runtimeFrames(g.ID, r, delve)
	if !ok || len(fr) == 0 {
		return
	}
	g.CurrentLocation = fr[0].Location
	g.Location = fr[0].Location
	for _, f := range fr {
		if isUserFunction(f.Function) {
			g.Location = f.Location
			break
		}
	}
}
