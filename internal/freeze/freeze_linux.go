//go:build linux && amd64

package freeze

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// StopTimeout bounds how long Freeze waits for every seized thread to stop
// (a thread in an uninterruptible sleep, such as a vfork parent, stops only
// when the sleep ends). Past it Freeze lets the process go and fails.
var StopTimeout = 10 * time.Second

// testHookSeized, when set by a test, runs on the tracer thread after the
// first round of seizing and before those threads are interrupted.
var testHookSeized func(pid int, tids []int)

// testHoldSignals, when set by a test, makes Freeze hold a signal taken in
// a signal-delivery-stop until Thaw instead of letting it through at once:
// to show what the kernel does with a held signal when the tracer dies.
var testHoldSignals bool

// maxIov is the kernel's IOV_MAX: the most iovecs one process_vm_readv takes
// on each side.
const maxIov = 1024

// Frozen is a process whose threads are all stopped. Its methods may be
// called from any goroutine; ptrace requests are passed to the tracer thread.
type Frozen struct {
	pid     int
	threads []Thread
	tr      *tracer

	start   time.Time     // just before the first seize
	stopped time.Duration // from start until every thread had stopped
	pause   atomic.Int64  // ns from start to the last detach, once thawed

	thawOnce sync.Once
	thawErr  error
	thawed   atomic.Bool

	memOnce  sync.Once
	mem      *os.File // /proc/PID/mem, opened on first need
	memErr   error
	procMem  atomic.Bool // process_vm_readv is refused here: use /proc/PID/mem
	cleanups runtime.Cleanup
}

// Pid returns the process id of the frozen process.
func (f *Frozen) Pid() int { return f.pid }

// Threads returns the threads as they were stopped, main thread first.
func (f *Frozen) Threads() []Thread {
	return append([]Thread(nil), f.threads...)
}

// StopLatency is how long it took, from the first seize, until every thread
// had stopped.
func (f *Frozen) StopLatency() time.Duration { return f.stopped }

// Pause is how long the process has been stopped: from the first seize to
// the last detach once Thaw has returned, and up to now before.
func (f *Frozen) Pause() time.Duration {
	if p := f.pause.Load(); p != 0 {
		return time.Duration(p)
	}
	return time.Since(f.start)
}

// Freeze stops every thread of the process pid and returns it frozen; the
// caller must Thaw it. It refuses, with an error wrapping ErrNoProcess,
// ErrZombie, ErrTraced or ErrPermission, a process it cannot freeze. On any
// failure after the first thread was seized, the threads are let go before
// Freeze returns.
//
// The target should not be a child that another goroutine of this process
// waits for (os/exec's Wait): the kernel reports a traced child's stops to
// every waiter in the tracer's process, and such a waiter would take them.
// Run such a target through a shell, as a grandchild, as the tests do.
func Freeze(pid int) (*Frozen, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("freeze pid %d: %w", pid, ErrNoProcess)
	}
	if pid == os.Getpid() {
		return nil, fmt.Errorf("freeze pid %d: a process cannot freeze itself: %w", pid, ErrPermission)
	}
	if err := checkTarget(pid); err != nil {
		return nil, fmt.Errorf("freeze pid %d: %w", pid, err)
	}
	tr := startTracer()
	f := &Frozen{pid: pid, tr: tr}
	var err error
	tr.do(func() { f.start, f.threads, f.stopped, err = tr.freeze(pid) })
	if err != nil {
		tr.exit()
		return nil, fmt.Errorf("freeze pid %d: %w", pid, err)
	}
	// A Frozen dropped without Thaw must not leave its target stopped.
	f.cleanups = runtime.AddCleanup(f, func(tr *tracer) { tr.abandon() }, tr)
	return f, nil
}

// Thaw lets every thread run again (a thread in a group stop stays in it, as
// the stop signal intended) and ends the snapshot: reads fail with ErrThawed after it.
// Calling it again returns the first call's result.
func (f *Frozen) Thaw() error {
	f.thawOnce.Do(func() {
		f.thawed.Store(true)
		var end time.Time
		f.tr.do(func() { end, f.thawErr = f.tr.thaw() })
		f.pause.Store(int64(end.Sub(f.start)))
		f.tr.exit()
		f.cleanups.Stop()
		if f.mem != nil {
			f.mem.Close()
		}
	})
	if f.thawErr != nil {
		return fmt.Errorf("thaw pid %d: %w", f.pid, f.thawErr)
	}
	return nil
}

// ReadMemory copies len(p) bytes of the target's memory at addr into p.
func (f *Frozen) ReadMemory(p []byte, addr uint64) error {
	if f.thawed.Load() {
		return ErrThawed
	}
	if len(p) == 0 {
		return nil
	}
	if !f.procMem.Load() {
		n, err := f.readv([]unix.Iovec{iovec(p)}, []unix.RemoteIovec{{Base: uintptr(addr), Len: len(p)}})
		if err == nil && n == len(p) {
			return nil
		}
		if err != nil && f.refused(err) {
			return f.readProcMem(p, addr)
		}
		if err == nil {
			// A short read stops at the first page that is not mapped.
			addr += uint64(n)
			p = p[n:]
			_, err = f.readv([]unix.Iovec{iovec(p)}, []unix.RemoteIovec{{Base: uintptr(addr), Len: len(p)}})
			if err == nil {
				err = errors.New("short read")
			}
		}
		return fmt.Errorf("reading %d bytes at %#x: %w", len(p), addr, err)
	}
	return f.readProcMem(p, addr)
}

// ReadRanges copies every range, 1024 ranges (IOV_MAX) per system call. A range
// that cannot be read in full gets its Err set (its Buf holds what could be
// read, the rest is unspecified); ReadRanges then returns an error that
// counts them and names the first. Ranges may overlap and come in any order.
func (f *Frozen) ReadRanges(rs []Range) error {
	if f.thawed.Load() {
		return ErrThawed
	}
	failed := 0
	var first error
	note := func(r *Range, err error) {
		r.Err = err
		if failed == 0 {
			first = err
		}
		failed++
	}
	local := make([]unix.Iovec, 0, maxIov)
	remote := make([]unix.RemoteIovec, 0, maxIov)
	idx := make([]int, 0, maxIov)
	flush := func() {
		for len(idx) > 0 {
			if f.procMem.Load() {
				for _, i := range idx {
					if err := f.readProcMem(rs[i].Buf, rs[i].Addr); err != nil {
						note(&rs[i], err)
					}
				}
				break
			}
			n, err := f.readv(local, remote)
			if err != nil && f.refused(err) {
				continue // now through /proc/PID/mem
			}
			if err != nil {
				n = 0
			}
			// Skip the ranges read in full; the one where the copy stopped
			// is read alone, to learn why, and the batch resumes after it.
			k := 0
			for k < len(idx) && n >= remote[k].Len {
				n -= remote[k].Len
				k++
			}
			if k == len(idx) {
				break
			}
			i := idx[k]
			if err := f.ReadMemory(rs[i].Buf, rs[i].Addr); err != nil {
				note(&rs[i], err)
			}
			local, remote, idx = local[k+1:], remote[k+1:], idx[k+1:]
		}
		local, remote, idx = local[:0], remote[:0], idx[:0]
	}
	for i := range rs {
		rs[i].Err = nil
		if len(rs[i].Buf) == 0 {
			continue
		}
		local = append(local, iovec(rs[i].Buf))
		remote = append(remote, unix.RemoteIovec{Base: uintptr(rs[i].Addr), Len: len(rs[i].Buf)})
		idx = append(idx, i)
		if len(idx) == maxIov {
			flush()
			local, remote, idx = local[:0], remote[:0], idx[:0]
		}
	}
	flush()
	if f.thawed.Load() {
		return ErrThawed // thawed while reading: the copy is not consistent
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d ranges unreadable, the first: %w", failed, len(rs), first)
	}
	return nil
}

func iovec(p []byte) unix.Iovec {
	v := unix.Iovec{Base: &p[0]}
	v.SetLen(len(p))
	return v
}

func (f *Frozen) readv(local []unix.Iovec, remote []unix.RemoteIovec) (int, error) {
	for {
		n, err := unix.ProcessVMReadv(f.pid, local, remote, 0)
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}

// refused reports whether err says that process_vm_readv itself is not
// available (a seccomp filter, an old kernel), and if so switches to
// /proc/PID/mem.
func (f *Frozen) refused(err error) bool {
	if err == unix.ENOSYS || err == unix.EPERM {
		f.procMem.Store(true)
		return true
	}
	return false
}

func (f *Frozen) readProcMem(p []byte, addr uint64) error {
	f.memOnce.Do(func() {
		f.mem, f.memErr = os.Open(fmt.Sprintf("/proc/%d/mem", f.pid))
	})
	if f.memErr != nil {
		return fmt.Errorf("reading %d bytes at %#x: %w", len(p), addr, f.memErr)
	}
	if addr > 1<<63-1 || addr+uint64(len(p)) < addr {
		return fmt.Errorf("reading %d bytes at %#x: address out of range", len(p), addr)
	}
	n, err := f.mem.ReadAt(p, int64(addr))
	if n == len(p) {
		return nil
	}
	if err == nil {
		err = errors.New("short read")
	}
	return fmt.Errorf("reading %d bytes at %#x: %w", len(p)-n, addr+uint64(n), err)
}

// checkTarget refuses, before any ptrace request, a pid that is not a live
// process that could be traced, with the reason.
func checkTarget(pid int) error {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return ErrNoProcess
		}
		return fmt.Errorf("reading /proc/%d/status: %w", pid, err)
	}
	if tgid := statusField(status, "Tgid"); tgid != strconv.Itoa(pid) {
		return fmt.Errorf("%d is a thread of process %s, not a process: %w", pid, tgid, ErrNoProcess)
	}
	if st := statusField(status, "State"); strings.HasPrefix(st, "Z") || strings.HasPrefix(st, "X") {
		return ErrZombie
	}
	if tp := statusField(status, "TracerPid"); tp != "" && tp != "0" {
		return tracedBy(tp)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); err == nil {
		if s := strings.TrimSpace(string(b)); s == "3" {
			return fmt.Errorf("kernel.yama.ptrace_scope is 3: no process may be traced until reboot: %w", ErrPermission)
		}
	}
	return nil
}

func statusField(status []byte, key string) string {
	for _, line := range bytes.Split(status, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && string(k) == key {
			return string(bytes.TrimSpace(v))
		}
	}
	return ""
}

// tracedBy is ErrTraced naming the tracer: tp is a TracerPid, the id of the
// tracing thread.
func tracedBy(tp string) error {
	if _, err := os.Stat("/proc/self/task/" + tp); err == nil {
		return fmt.Errorf("%w by thread %s of this very process (a debugger embedded in it, such as Delve, holds it)", ErrTraced, tp)
	}
	return fmt.Errorf("%w by pid %s (%s)", ErrTraced, tp, commOf(tp))
}

func commOf(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/comm")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// seizeRefusal explains an EPERM from PTRACE_SEIZE.
func seizeRefusal(pid int) error {
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if tp := statusField(status, "TracerPid"); tp != "" && tp != "0" {
		return tracedBy(tp)
	}
	hint := "not the same user, or no CAP_SYS_PTRACE"
	if b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); err == nil {
		switch s := strings.TrimSpace(string(b)); s {
		case "1":
			hint = "kernel.yama.ptrace_scope is 1: only a parent may trace it, or a process with CAP_SYS_PTRACE; run as root or set it to 0"
		case "2":
			hint = "kernel.yama.ptrace_scope is 2: only a process with CAP_SYS_PTRACE may trace"
		}
	}
	return fmt.Errorf("PTRACE_SEIZE: %s: %w", hint, ErrPermission)
}

// tracer is a goroutine locked to its OS thread that makes every ptrace
// request. When it exits, its thread exits with it (it never unlocks), and
// the kernel detaches whatever that thread still traces.
type tracer struct {
	reqs chan func()
	done chan struct{}
	once sync.Once
	tid  int // the tracer thread's id, as /proc/*/status's TracerPid shows it

	// Owned by the tracer thread:
	threads map[int]*tstate
	clones  int // threads seen being created while freezing (for tests)
}

type tstate struct {
	stopped   bool
	group     bool
	delivered int              // signal let through at a signal-delivery-stop
	regs      *unix.PtraceRegs // the registers before that signal's frame
	redeliver int              // signal to hand over at detach (if letting it through failed)
}

func startTracer() *tracer {
	tr := &tracer{reqs: make(chan func()), done: make(chan struct{}), threads: map[int]*tstate{}}
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		defer close(tr.done)
		tr.tid = unix.Gettid()
		for req := range tr.reqs {
			req()
		}
	}()
	return tr
}

// do runs fn on the tracer thread and waits for it.
func (tr *tracer) do(fn func()) {
	ran := make(chan struct{})
	tr.reqs <- func() { defer close(ran); fn() }
	<-ran
}

// exit ends the tracer goroutine and so its thread.
func (tr *tracer) exit() {
	tr.once.Do(func() { close(tr.reqs) })
	<-tr.done
}

// abandon is the cleanup of a Frozen that was never thawed.
func (tr *tracer) abandon() {
	go func() {
		tr.do(func() { tr.thaw() })
		tr.exit()
	}()
}

// freeze seizes and stops every thread of pid. On failure it has let go of
// every thread it had seized.
func (tr *tracer) freeze(pid int) (start time.Time, threads []Thread, latency time.Duration, err error) {
	start = time.Now()
	defer func() {
		if err != nil {
			tr.thaw()
		}
	}()
	// Seize and interrupt every thread /proc lists, scanning again until a
	// scan finds no new one; then wait until all have stopped and scan once
	// more. A thread seized in the middle of a clone may be too late for its
	// child to be traced with it and too early for the child to be listed
	// yet: only a scan made while every known thread is stopped is final.
	settled := false
	for round := 0; ; round++ {
		fresh, err := tr.seizeListed(pid, round)
		if err != nil {
			return start, nil, 0, err
		}
		if fresh == 0 {
			if settled {
				break
			}
			if err := tr.waitStopped(pid); err != nil {
				return start, nil, 0, err
			}
			settled = true
			continue
		}
		settled = false
		if round == 200 {
			return start, nil, 0, errors.New("threads kept appearing over 200 scans of /proc/PID/task")
		}
	}
	latency = time.Since(start)
	for tid, st := range tr.threads {
		var regs unix.PtraceRegs
		if st.regs != nil {
			regs = *st.regs
		} else if err := unix.PtraceGetRegs(tid, &regs); err != nil {
			if err == unix.ESRCH {
				delete(tr.threads, tid) // killed meanwhile
				continue
			}
			return start, nil, 0, fmt.Errorf("thread %d: PTRACE_GETREGS: %w", tid, err)
		}
		threads = append(threads, Thread{TID: tid, Regs: registers(&regs), Signal: max(st.delivered, st.redeliver), GroupStop: st.group})
	}
	if len(threads) == 0 {
		return start, nil, 0, fmt.Errorf("the process exited while being frozen: %w", ErrNoProcess)
	}
	sort.Slice(threads, func(i, j int) bool {
		if (threads[i].TID == pid) != (threads[j].TID == pid) {
			return threads[i].TID == pid
		}
		return threads[i].TID < threads[j].TID
	})
	return start, threads, latency, nil
}

// seizeListed seizes and interrupts every thread in /proc/PID/task that it
// does not know yet, and returns how many.
func (tr *tracer) seizeListed(pid, round int) (int, error) {
	tids, err := listThreads(pid)
	if err != nil {
		return 0, err
	}
	var seized []int
	for _, tid := range tids {
		if tr.threads[tid] != nil {
			continue
		}
		switch err := ptrace(unix.PTRACE_SEIZE, tid, 0, unix.PTRACE_O_TRACECLONE); err {
		case nil:
		case unix.ESRCH:
			continue // exited before we got to it
		case unix.EPERM:
			if exiting(pid, tid) {
				continue // the kernel refuses to seize a thread that is exiting
			}
			if tracerOf(pid, tid) == tr.tid {
				break // auto-attached as a clone of a seized thread
			}
			if round == 0 && len(tr.threads) == 0 {
				return 0, seizeRefusal(pid)
			}
			return 0, fmt.Errorf("thread %d: PTRACE_SEIZE: %w", tid, err)
		default:
			return 0, fmt.Errorf("thread %d: PTRACE_SEIZE: %w", tid, err)
		}
		tr.threads[tid] = &tstate{}
		seized = append(seized, tid)
	}
	if testHookSeized != nil && round == 0 && len(seized) > 0 {
		testHookSeized(pid, seized)
	}
	for _, tid := range seized {
		if err := ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0); err != nil && err != unix.ESRCH {
			return 0, fmt.Errorf("thread %d: PTRACE_INTERRUPT: %w", tid, err)
		}
	}
	return len(seized), nil
}

// waitStopped collects the stop of every seized thread, following clones.
func (tr *tracer) waitStopped(pid int) error {
	deadline := time.Now().Add(StopTimeout)
	idle := 0
	for {
		running := 0
		for _, st := range tr.threads {
			if !st.stopped {
				running++
			}
		}
		if running == 0 {
			return nil
		}
		var ws unix.WaitStatus
		// __WNOTHREAD: only this thread's tracees, never another child of
		// the process (os/exec's, say).
		wpid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOTHREAD|unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			// No tracee left at all: they have all exited.
			for tid := range tr.threads {
				delete(tr.threads, tid)
			}
			return fmt.Errorf("the process exited while being frozen: %w", ErrNoProcess)
		case err != nil:
			return fmt.Errorf("wait4: %w", err)
		case wpid == 0:
			if time.Now().After(deadline) {
				return fmt.Errorf("%d thread(s) did not stop within %v (uninterruptible sleep?)", running, StopTimeout)
			}
			// Nothing yet: yield a few times, then sleep briefly. A stop
			// takes microseconds; the sleep bounds the cost of a slow one.
			if idle++; idle < 50 {
				runtime.Gosched()
			} else {
				time.Sleep(20 * time.Microsecond)
			}
			continue
		}
		idle = 0
		tr.record(wpid, ws)
	}
}

// record updates the state of thread tid from a wait status.
func (tr *tracer) record(tid int, ws unix.WaitStatus) {
	st := tr.threads[tid]
	if ws.Exited() || ws.Signaled() {
		delete(tr.threads, tid)
		return
	}
	if !ws.Stopped() {
		return
	}
	if st == nil {
		// A clone auto-attached before its parent's clone event was seen.
		st = &tstate{}
		tr.threads[tid] = st
		tr.clones++
	}
	st.stopped = true
	sig := int(ws.StopSignal())
	switch event := int(ws) >> 16; event {
	case unix.PTRACE_EVENT_STOP:
		switch unix.Signal(sig) {
		case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
			st.group = true
		}
	case unix.PTRACE_EVENT_CLONE:
		tr.clones++
		if child, err := unix.PtraceGetEventMsg(tid); err == nil && child != 0 {
			if tr.threads[int(child)] == nil {
				tr.threads[int(child)] = &tstate{} // it starts in a stop we will collect
			}
		}
	case 0:
		// A signal-delivery-stop: the thread took sig from its queue just
		// before its interrupt. Held here, the signal would be lost if this
		// process died before Thaw (the kernel's detach at a tracer's exit
		// drops it; a test shows it), so let it through now: the kernel sets
		// up the handler's frame and the thread stops at the pending
		// interrupt before running any of it. The handler runs after Thaw.
		if st.regs == nil {
			var regs unix.PtraceRegs
			if unix.PtraceGetRegs(tid, &regs) == nil {
				st.regs = &regs
			}
		}
		if testHoldSignals {
			st.redeliver = sig
		} else if err := ptrace(unix.PTRACE_CONT, tid, 0, uintptr(sig)); err == nil {
			st.stopped = false
			st.delivered = sig
		} else {
			st.redeliver = sig
		}
	}
}

// thaw detaches every seized thread and reaps the exits of those that died.
// It returns when the last thread was let go.
func (tr *tracer) thaw() (time.Time, error) {
	var errs []error
	for tid, st := range tr.threads {
		if !st.stopped {
			// Seized but not yet stopped (a failed Freeze): a running
			// tracee cannot be detached; the tracer thread's exit will.
			continue
		}
		if err := ptrace(unix.PTRACE_DETACH, tid, 0, uintptr(st.redeliver)); err != nil && err != unix.ESRCH {
			errs = append(errs, fmt.Errorf("thread %d: PTRACE_DETACH: %w", tid, err))
		}
		delete(tr.threads, tid)
	}
	end := time.Now()
	// Reap the notifications of tracees that exited, so none is left behind.
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOTHREAD|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || wpid <= 0 {
			break
		}
	}
	return end, errors.Join(errs...)
}

func ptrace(req, tid int, addr, data uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// listThreads returns the thread ids in /proc/PID/task.
func listThreads(pid int) ([]int, error) {
	d, err := os.Open(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoProcess
		}
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("listing /proc/%d/task: %w", pid, err)
	}
	tids := make([]int, 0, len(names))
	for _, name := range names {
		if tid, err := strconv.Atoi(name); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

// exiting reports whether thread tid of pid is gone or exiting (a zombie or
// dead thread, state Z or X).
func exiting(pid, tid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// tracerOf returns the TracerPid of thread tid of pid, or -1.
func tracerOf(pid, tid int) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", pid, tid))
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(statusField(status, "TracerPid"))
	if err != nil {
		return -1
	}
	return n
}

func registers(r *unix.PtraceRegs) Registers {
	return Registers{
		PC: r.Rip, SP: r.Rsp, BP: r.Rbp,
		FSBase: r.Fs_base, GSBase: r.Gs_base,
		AX: r.Rax, BX: r.Rbx, CX: r.Rcx, DX: r.Rdx,
		SI: r.Rsi, DI: r.Rdi,
		R8: r.R8, R9: r.R9, R10: r.R10, R11: r.R11,
		R12: r.R12, R13: r.R13, R14: r.R14, R15: r.R15,
		Flags: r.Eflags, OrigAX: r.Orig_rax,
		CS: r.Cs, SS: r.Ss, DS: r.Ds, ES: r.Es, FS: r.Fs, GS: r.Gs,
	}
}
