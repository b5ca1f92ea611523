//go:build linux && amd64

package freeze

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"golang.org/x/sys/unix"
)

// The test binary doubles as a helper process that freezes a target and
// waits to be killed: FREEZE_TEST_HELPER=<pid> (and FREEZE_TEST_HELPER_SIGNAL=1
// to first put the target's main thread in a signal-delivery-stop).
func TestMain(m *testing.M) {
	if exe := os.Getenv("FREEZE_TEST_PARENT"); exe != "" {
		os.Exit(parentMain(exe))
	}
	if pid, err := strconv.Atoi(os.Getenv("FREEZE_TEST_HELPER")); err == nil {
		testHoldSignals = os.Getenv("FREEZE_TEST_HELPER_HOLD") == "1"
		os.Exit(helperMain(pid, os.Getenv("FREEZE_TEST_HELPER_SIGNAL") == "1"))
	}
	code := m.Run()
	if err := testutil.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func helperMain(pid int, signalStop bool) int {
	if signalStop {
		testHookSeized = func(pid int, _ []int) {
			if err := signalDeliveryStop(pid); err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
			}
		}
	}
	f, err := Freeze(pid)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	sig := 0
	for _, th := range f.Threads() {
		if th.Signal != 0 {
			sig = th.Signal
		}
	}
	fmt.Printf("FROZEN %d %d\n", f.tr.tid, sig)
	select {} // until killed
}

// parentMain starts exe as its child, sharing its stdout, prints "CHILD
// <pid>", and reports on stdout every stop, continue and exit of the child
// that a parent's wait4(WUNTRACED|WCONTINUED) sees, as "WAIT ..." lines.
func parentMain(exe string) int {
	// The child gets a process group of its own, whose parent (this
	// process) is in another group of the same session: not an orphaned
	// group, so the kernel does not discard the test's SIGTSTP, as it
	// would when the test runs in a new session (setsid, CI).
	pid, err := syscall.ForkExec(exe, []string{exe, "-n", "100"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2}, Sys: &syscall.SysProcAttr{Setpgid: true}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "parent:", err)
		return 1
	}
	fmt.Printf("CHILD %d\n", pid)
	for {
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, unix.WUNTRACED|unix.WCONTINUED, nil); err != nil {
			if err == unix.EINTR {
				continue
			}
			fmt.Fprintln(os.Stderr, "parent: wait4:", err)
			return 1
		}
		switch {
		case ws.Stopped():
			fmt.Printf("WAIT stopped %d\n", ws.StopSignal())
		case ws.Continued():
			fmt.Println("WAIT continued")
		default:
			fmt.Printf("WAIT exited %v\n", ws)
			return 0
		}
	}
}

// signalDeliveryStop sends SIGUSR1 to the seized (not yet interrupted) main
// thread of pid and waits until it has stopped on it: a signal-delivery-stop.
func signalDeliveryStop(pid int) error {
	if err := unix.Tgkill(pid, pid, unix.SIGUSR1); err != nil {
		return fmt.Errorf("tgkill: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for threadState(pid, pid) != 't' {
		if time.Now().After(deadline) {
			return fmt.Errorf("main thread of %d did not stop on SIGUSR1 (state %c)", pid, threadState(pid, pid))
		}
		time.Sleep(100 * time.Microsecond) // polling /proc: there is no event to wait on
	}
	return nil
}

// meterTarget is a running testdata/pausemeter whose reports are read.
type meterTarget struct {
	pid     int
	lines   chan string
	signals int // SIGUSR1 sent so far
}

type report struct {
	gap     time.Duration
	ticks   int64
	signals int
}

// startMeter starts pausemeter with args as a grandchild (through sh, so
// that os/exec's wait never sees its ptrace stops) and waits for READY.
func startMeter(t testing.TB, args ...string) *meterTarget {
	t.Helper()
	exe := testutil.BuildTarget(t, "pausemeter")
	cmd := exec.Command("/bin/sh", append([]string{"-c", `"$0" "$@" & wait $!`, exe}, args...)...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	mt := &meterTarget{lines: make(chan string, 100)}
	go func() {
		defer close(mt.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			mt.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		// The shell first, so that it does not live to print "Killed"
		// into the test's (or the benchmark's) output.
		cmd.Process.Kill()
		cmd.Wait()
		if mt.pid > 0 {
			syscall.Kill(mt.pid, syscall.SIGKILL)
		}
		r.Close()
	})
	select {
	case line, ok := <-mt.lines:
		pid, err := strconv.Atoi(strings.TrimPrefix(line, "READY "))
		if !ok || err != nil {
			t.Fatalf("pausemeter %v: first line %q, want READY <pid>", args, line)
		}
		mt.pid = pid
	case <-time.After(2 * time.Minute):
		t.Fatalf("pausemeter %v: no READY line", args)
	}
	return mt
}

// report asks the meter for its longest gap since the last report.
func (mt *meterTarget) report(t testing.TB) report {
	t.Helper()
	if err := syscall.Kill(mt.pid, syscall.SIGUSR1); err != nil {
		t.Fatalf("SIGUSR1 to %d: %v", mt.pid, err)
	}
	mt.signals++
	return mt.awaitReport(t, mt.signals)
}

// awaitReport waits for the report that answers signal number k.
func (mt *meterTarget) awaitReport(t testing.TB, k int) report {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-mt.lines:
			if !ok {
				t.Fatalf("pausemeter %d: stdout closed while waiting for report %d", mt.pid, k)
			}
			var ns int64
			var rep report
			if _, err := fmt.Sscanf(line, "MAXGAP %d TICKS %d SIGNALS %d", &ns, &rep.ticks, &rep.signals); err != nil {
				t.Fatalf("pausemeter %d: unexpected line %q", mt.pid, line)
			}
			rep.gap = time.Duration(ns)
			if rep.signals >= k {
				return rep
			}
		case <-timeout:
			t.Fatalf("pausemeter %d: no report for signal %d within 30s", mt.pid, k)
		}
	}
}

// awaitTicks waits until the meter has ticked at least n times (as reports
// show), proving the target runs.
func (mt *meterTarget) awaitTicks(t testing.TB, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var total int64
	for total < n {
		if time.Now().After(deadline) {
			t.Fatalf("pausemeter %d ticked %d times in 30s, want %d: it does not run", mt.pid, total, n)
		}
		total += mt.report(t).ticks
	}
}

// threadState returns the state letter of /proc/PID/task/TID/stat, or 0.
func threadState(pid, tid int) byte {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return 0
	}
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2]
	}
	return 0
}

// tasks lists the live threads of pid (not those exiting, which the
// kernel reaps without a tracer's say).
func tasks(t testing.TB, pid int) []int {
	t.Helper()
	tids, err := listThreads(pid)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(tids, func(tid int) bool { return exiting(pid, tid) })
}

func sortedTIDs(ths []Thread) []int {
	var tids []int
	for _, th := range ths {
		tids = append(tids, th.TID)
	}
	return tids
}

func sameSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[int]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

// checkFrozen checks that exactly the threads of f are the process's, each
// in a tracing stop, with the registers the kernel reports for it in
// /proc/PID/task/TID/syscall.
func checkFrozen(t *testing.T, f *Frozen) {
	t.Helper()
	ths := f.Threads()
	if got, want := sortedTIDs(ths), tasks(t, f.Pid()); !sameSet(got, want) {
		t.Fatalf("frozen threads %v, /proc/%d/task has %v", got, f.Pid(), want)
	}
	if ths[0].TID != f.Pid() {
		t.Errorf("Threads()[0] is %d, want the main thread %d", ths[0].TID, f.Pid())
	}
	for _, th := range ths {
		if s := threadState(f.Pid(), th.TID); s != 't' {
			t.Errorf("thread %d is in state %c while frozen, want t (tracing stop)", th.TID, s)
		}
		if th.Regs.FSBase == 0 {
			t.Errorf("thread %d: FS base is 0; a Go thread's TLS is there", th.TID)
		}
		if th.Signal != 0 {
			continue // its registers are from before the signal's frame; see TestSignalDeliveryStopRedelivered
		}
		nr, sp, pc := kernelRegs(t, f.Pid(), th.TID)
		if sp != th.Regs.SP || pc != th.Regs.PC {
			t.Errorf("thread %d: registers sp=%#x pc=%#x, the kernel's /proc syscall says sp=%#x pc=%#x", th.TID, th.Regs.SP, th.Regs.PC, sp, pc)
		}
		if nr >= 0 && uint64(nr) != th.Regs.OrigAX {
			t.Errorf("thread %d: orig_ax %d, the kernel says system call %d", th.TID, th.Regs.OrigAX, nr)
		}
	}
}

// kernelRegs returns the system call number (-1 for none), stack pointer and
// program counter of a stopped thread, from /proc/PID/task/TID/syscall.
func kernelRegs(t *testing.T, pid, tid int) (nr int64, sp, pc uint64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, tid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b))
	if len(fields) < 3 {
		t.Fatalf("thread %d: /proc syscall %q: a stopped thread should show its sp and pc", tid, b)
	}
	nr, err0 := strconv.ParseInt(fields[0], 10, 64)
	sp, err1 := strconv.ParseUint(strings.TrimPrefix(fields[len(fields)-2], "0x"), 16, 64)
	pc, err2 := strconv.ParseUint(strings.TrimPrefix(fields[len(fields)-1], "0x"), 16, 64)
	if err := errors.Join(err0, err1, err2); err != nil {
		t.Fatalf("thread %d: /proc syscall %q: %v", tid, b, err)
	}
	return nr, sp, pc
}

// symbol returns the address of the named function in the executable of pid.
func symbol(t *testing.T, pid int, name string) uint64 {
	t.Helper()
	ef, err := elf.Open(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	syms, err := ef.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("no symbol %s in the executable of %d", name, pid)
	return 0
}

// checkRunning checks that no thread of pid is traced or in a tracing stop.
func checkRunning(t *testing.T, pid int) {
	t.Helper()
	for _, tid := range tasks(t, pid) {
		if s := threadState(pid, tid); s == 't' {
			t.Errorf("thread %d of %d is still in a tracing stop after thaw", tid, pid)
		}
		if tp := tracerOf(pid, tid); tp > 0 {
			t.Errorf("thread %d of %d is still traced by %d after thaw", tid, pid, tp)
		}
	}
}

type mapping struct {
	start, end uint64
	perms      string
	name       string
}

func mappings(t testing.TB, pid int) []mapping {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	var ms []mapping
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		lo, hi, _ := strings.Cut(f[0], "-")
		var m mapping
		m.start, _ = strconv.ParseUint(lo, 16, 64)
		m.end, _ = strconv.ParseUint(hi, 16, 64)
		m.perms = f[1]
		if len(f) > 5 {
			m.name = f[5]
		}
		ms = append(ms, m)
	}
	return ms
}

// TestFrozenMemoryEqualsProcMem freezes a running target and checks that its
// threads are all stopped with the kernel's view of their registers, and that
// every writable mapping read while frozen — one read each, and in 4 KiB
// ranges through ReadRanges — equals what /proc/PID/mem holds, read after;
// the meter's ticker would have written its heap in between had it run.
func TestFrozenMemoryEqualsProcMem(t *testing.T) {
	mt := startMeter(t, "-n", "2000")
	f, err := Freeze(mt.pid)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Thaw()
	checkFrozen(t, f)

	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", mt.pid))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	const maxLen = 8 << 20
	var ranges []Range
	var whole [][]byte
	var starts []uint64
	var holeAfter *mapping
	ms := mappings(t, mt.pid)
	for i, m := range ms {
		if !strings.HasPrefix(m.perms, "rw") || strings.HasPrefix(m.name, "[v") {
			continue
		}
		if holeAfter == nil && (i+1 == len(ms) || ms[i+1].start != m.end) {
			holeAfter = &ms[i]
		}
		n := min(m.end-m.start, maxLen)
		buf := make([]byte, n)
		if err := f.ReadMemory(buf, m.start); err != nil {
			t.Fatalf("ReadMemory of mapping %#x-%#x %s: %v", m.start, m.end, m.name, err)
		}
		whole = append(whole, buf)
		starts = append(starts, m.start)
		for off := uint64(0); off < n; off += 4096 {
			ranges = append(ranges, Range{Addr: m.start + off, Buf: make([]byte, min(4096, n-off))})
		}
	}
	if len(ranges) <= maxIov {
		t.Fatalf("only %d ranges: the test means to cross the %d-iovec batch limit", len(ranges), maxIov)
	}
	// An unmapped range in the middle, and one that runs off a mapping's end.
	ranges = append(ranges[:10], append([]Range{{Addr: 8, Buf: make([]byte, 16)}}, ranges[10:]...)...)
	if holeAfter == nil {
		t.Fatal("no writable mapping followed by a hole")
	}
	ranges = append(ranges, Range{Addr: holeAfter.end - 8, Buf: make([]byte, 16)})
	err = f.ReadRanges(ranges)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("2 of %d ranges unreadable", len(ranges))) {
		t.Errorf("ReadRanges error %v, want the 2 unreadable ranges counted", err)
	}
	for i, r := range ranges {
		if bad := i == 10 || i == len(ranges)-1; bad != (r.Err != nil) {
			t.Errorf("range %d at %#x: Err %v, unreadable %v", i, r.Addr, r.Err, bad)
		}
	}
	last := ranges[len(ranges)-1]
	tail := make([]byte, 8)
	if _, err := mem.ReadAt(tail, int64(last.Addr)); err != nil || !bytes.Equal(tail, last.Buf[:8]) {
		t.Errorf("the readable half of the range running off %#x: %x, /proc/PID/mem has %x (%v)", holeAfter.end, last.Buf[:8], tail, err)
	}

	for i, buf := range whole {
		want := make([]byte, len(buf))
		if _, err := mem.ReadAt(want, int64(starts[i])); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, want) {
			t.Errorf("mapping at %#x: ReadMemory and /proc/PID/mem differ", starts[i])
		}
	}
	for _, r := range ranges {
		if r.Err != nil {
			continue
		}
		want := make([]byte, len(r.Buf))
		if _, err := mem.ReadAt(want, int64(r.Addr)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.Buf, want) {
			t.Errorf("range at %#x: ReadRanges and /proc/PID/mem differ", r.Addr)
		}
	}

	// The /proc/PID/mem fallback reads the same.
	f.procMem.Store(true)
	again := make([]Range, 0, 3000)
	for _, r := range ranges[:3000] {
		if r.Err == nil {
			again = append(again, Range{Addr: r.Addr, Buf: make([]byte, len(r.Buf))})
		}
	}
	if err := f.ReadRanges(again); err != nil {
		t.Fatalf("ReadRanges through /proc/PID/mem: %v", err)
	}
	for i, r := range again {
		if !bytes.Equal(r.Buf, ranges[i+boolInt(i >= 10)].Buf) {
			t.Fatalf("range at %#x: the /proc/PID/mem fallback read other bytes", r.Addr)
		}
	}

	if err := f.Thaw(); err != nil {
		t.Fatal(err)
	}
	if err := f.ReadMemory(make([]byte, 8), starts[0]); !errors.Is(err, ErrThawed) {
		t.Errorf("ReadMemory after Thaw: %v, want ErrThawed", err)
	}
	checkRunning(t, mt.pid)
	mt.awaitTicks(t, 20)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestPauseSeenByTarget holds a target frozen for a while and checks that
// its own meter saw a gap as long as Pause says, and that it ticks after.
func TestPauseSeenByTarget(t *testing.T) {
	mt := startMeter(t, "-n", "1000")
	mt.report(t) // start a fresh measurement
	f, err := Freeze(mt.pid)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the length of the pause under test
	if err := f.Thaw(); err != nil {
		t.Fatal(err)
	}
	pause := f.Pause()
	if pause < 300*time.Millisecond || f.StopLatency() <= 0 || f.StopLatency() > pause {
		t.Fatalf("Pause %v, StopLatency %v: want a pause of at least the 300ms held and a latency within it", pause, f.StopLatency())
	}
	rep := mt.report(t)
	// The meter's gap is the pause, less the moments before its thread
	// stopped, plus up to a tick and the time the target waited for a CPU
	// afterwards (the machine may be loaded).
	if rep.gap < pause-f.StopLatency()-5*time.Millisecond || rep.gap > pause+500*time.Millisecond {
		t.Errorf("the target measured a gap of %v for a pause of %v", rep.gap, pause)
	}
	t.Logf("pause %v (threads stopped after %v), gap seen by the target %v", pause, f.StopLatency(), rep.gap)
	checkRunning(t, mt.pid)
	mt.awaitTicks(t, 20)
}

// TestSignalWhileFrozenIsDelivered sends the target a signal while it is
// frozen: it must not be handled then, and must be after Thaw.
func TestSignalWhileFrozenIsDelivered(t *testing.T) {
	mt := startMeter(t, "-n", "100")
	f, err := Freeze(mt.pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(mt.pid, syscall.SIGUSR1); err != nil {
		f.Thaw()
		t.Fatal(err)
	}
	mt.signals++
	// The signal is pending on a stopped process: nothing may answer it.
	select {
	case line := <-mt.lines:
		t.Errorf("the frozen target printed %q", line)
	case <-time.After(100 * time.Millisecond):
	}
	if err := f.Thaw(); err != nil {
		t.Fatal(err)
	}
	if rep := mt.awaitReport(t, 1); rep.signals != 1 {
		t.Errorf("report %+v, want the answer to signal 1", rep)
	}
}

// TestSignalDeliveryStopRedelivered puts the target's main thread in a
// signal-delivery-stop for SIGUSR1 while it is being frozen: the signal was
// taken from the target's queue, so only Thaw can give it back.
func TestSignalDeliveryStopRedelivered(t *testing.T) {
	mt := startMeter(t, "-n", "100")
	var hookErr error
	testHookSeized = func(pid int, _ []int) { hookErr = signalDeliveryStop(pid) }
	defer func() { testHookSeized = nil }()
	f, err := Freeze(mt.pid)
	testHookSeized = nil
	if err != nil {
		t.Fatal(err)
	}
	mt.signals++
	main := f.Threads()[0]
	if hookErr != nil || main.Signal != int(unix.SIGUSR1) {
		f.Thaw()
		t.Fatalf("main thread stopped with signal %d (hook: %v), want a signal-delivery-stop for SIGUSR1", main.Signal, hookErr)
	}
	checkFrozen(t, f)
	// The kernel has set up the handler's frame: the thread stands at the
	// runtime's signal trampoline, and the registers Freeze gives are those
	// from before, where the thread was.
	_, sp, pc := kernelRegs(t, mt.pid, main.TID)
	if want := symbol(t, mt.pid, "runtime.sigtramp.abi0"); pc != want || sp == main.Regs.SP {
		t.Errorf("main thread stands at pc=%#x sp=%#x, want the signal trampoline %#x on another stack than %#x", pc, sp, want, main.Regs.SP)
	}
	select {
	case line := <-mt.lines:
		t.Errorf("the frozen target printed %q", line)
	case <-time.After(100 * time.Millisecond):
	}
	if err := f.Thaw(); err != nil {
		t.Fatal(err)
	}
	if rep := mt.awaitReport(t, 1); rep.signals != 1 {
		t.Errorf("report %+v, want the answer to signal 1", rep)
	}
}

// TestThreadsCreatedWhileFreezing freezes, again and again, a target that
// keeps creating and ending threads: each time every thread it has is
// stopped, and it runs on after.
func TestThreadsCreatedWhileFreezing(t *testing.T) {
	mt := startMeter(t, "-n", "100", "-churn")
	clones := 0
	// At least 300 freezes, and on until some caught a thread being born.
	for i := 0; i < 300 || (clones < 3 && i < 5000); i++ {
		f, err := Freeze(mt.pid)
		if err != nil {
			t.Fatalf("freeze %d: %v", i, err)
		}
		clones += f.tr.clones
		checkFrozen(t, f)
		if err := f.Thaw(); err != nil {
			t.Fatalf("thaw %d: %v", i, err)
		}
	}
	if clones == 0 {
		t.Fatal("no freeze caught a thread being created: the test did not exercise what it is for")
	}
	t.Logf("%d threads were seen being created while freezing", clones)
	checkRunning(t, mt.pid)
	mt.awaitTicks(t, 20)
}

// startHelper starts this test binary as a process that freezes pid and
// waits to be killed; it returns the process, the tracer thread's id and the
// signal the helper found a thread stopped on.
func startHelper(t *testing.T, pid int, signalStop bool, env ...string) (*exec.Cmd, int, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FREEZE_TEST_HELPER="+strconv.Itoa(pid))
	if signalStop {
		cmd.Env = append(cmd.Env, "FREEZE_TEST_HELPER_SIGNAL=1")
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	var tid, sig int
	if _, err2 := fmt.Sscanf(line, "FROZEN %d %d", &tid, &sig); err != nil || err2 != nil {
		t.Fatalf("helper said %q (%v)", line, err)
	}
	return cmd, tid, sig
}

// TestTracerKilledTargetRunsOn kills the freezing process with SIGKILL while
// the target is frozen, with a signal pending: the kernel detaches the
// target, which runs on and handles the signal.
func TestTracerKilledTargetRunsOn(t *testing.T) {
	mt := startMeter(t, "-n", "1000")
	helper, tracerTID, _ := startHelper(t, mt.pid, false)
	for _, tid := range tasks(t, mt.pid) {
		if s, tp := threadState(mt.pid, tid), tracerOf(mt.pid, tid); s != 't' || tp != tracerTID {
			t.Fatalf("thread %d: state %c, tracer %d; want t and the helper's thread %d", tid, s, tp, tracerTID)
		}
	}
	if err := syscall.Kill(mt.pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	mt.signals++
	helper.Process.Signal(syscall.SIGKILL)
	helper.Wait()
	if rep := mt.awaitReport(t, 1); rep.signals != 1 {
		t.Errorf("report %+v, want the answer to signal 1", rep)
	}
	checkRunning(t, mt.pid)
	mt.awaitTicks(t, 20)
}

// TestTracerKilledInSignalDeliveryStop kills the freezing process after the
// target's main thread was caught in a signal-delivery-stop. Held in that
// stop, the signal would be dropped by the kernel's detach at the tracer's
// exit (it was, before Freeze let such signals through at once); it must be
// handled.
func TestTracerKilledInSignalDeliveryStop(t *testing.T) {
	mt := startMeter(t, "-n", "100")
	helper, _, sig := startHelper(t, mt.pid, true)
	if sig != int(unix.SIGUSR1) {
		t.Fatalf("the helper found signal %d in a signal-delivery-stop, want SIGUSR1", sig)
	}
	mt.signals++
	helper.Process.Signal(syscall.SIGKILL)
	helper.Wait()
	if rep := mt.awaitReport(t, 1); rep.signals != 1 {
		t.Errorf("report %+v, want the answer to signal 1", rep)
	}
	checkRunning(t, mt.pid)
}

// TestKernelDropsHeldSignalOnTracerDeath shows why Freeze lets a signal
// through at a signal-delivery-stop: a tracer that held it there until its
// detach and was killed first loses the signal — the kernel's detach at the
// tracer's exit resumes the thread without it. The target runs on, having
// answered every signal but that one.
func TestKernelDropsHeldSignalOnTracerDeath(t *testing.T) {
	mt := startMeter(t, "-n", "100")
	helper, _, sig := startHelper(t, mt.pid, true, "FREEZE_TEST_HELPER_HOLD=1")
	if sig != int(unix.SIGUSR1) {
		t.Fatalf("the helper found signal %d in a signal-delivery-stop, want SIGUSR1", sig)
	}
	helper.Process.Signal(syscall.SIGKILL)
	helper.Wait()
	for i := 1; i <= 3; i++ {
		if rep := mt.report(t); rep.signals != i {
			t.Fatalf("report %+v to our signal %d after the held one: want SIGNALS %d (the held signal lost)", rep, i, i)
		}
	}
	checkRunning(t, mt.pid)
}

// TestAbandonedFrozenIsThawed drops a Frozen without thawing it: once the
// garbage collector finds it unreachable, its cleanup lets the target go.
func TestAbandonedFrozenIsThawed(t *testing.T) {
	mt := startMeter(t, "-n", "10")
	func() {
		f, err := Freeze(mt.pid)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Threads()) == 0 {
			t.Fatal("no threads")
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for traced(mt.pid) {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned Frozen's target is still traced after 30s of garbage collections")
		}
		runtime.GC()
		time.Sleep(time.Millisecond) // polling /proc: there is no event to wait on
	}
	checkRunning(t, mt.pid)
	mt.awaitTicks(t, 5)
}

// traced reports whether some thread of pid is traced.
func traced(pid int) bool {
	tids, _ := listThreads(pid)
	for _, tid := range tids {
		if tracerOf(pid, tid) > 0 {
			return true
		}
	}
	return false
}

// TestParentSeesNoStop freezes and thaws a target whose parent watches it
// with wait4(WUNTRACED|WCONTINUED), as a shell or a supervisor does: unlike
// PTRACE_ATTACH's SIGSTOP, a seize and interrupt is no group stop, so the
// parent must see nothing. A SIGTSTP sent afterwards, as a control, is the
// first thing it sees.
func TestParentSeesNoStop(t *testing.T) {
	exe := testutil.BuildTarget(t, "pausemeter")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FREEZE_TEST_PARENT="+exe)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var child int
	t.Cleanup(func() {
		if child > 0 {
			syscall.Kill(child, syscall.SIGKILL)
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	next := func() string {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the parent's stdout closed")
			}
			return line
		case <-time.After(30 * time.Second):
			t.Fatal("nothing from the parent or its child within 30s")
		}
		return ""
	}
	for ready := false; child == 0 || !ready; {
		line := next()
		if _, err := fmt.Sscanf(line, "CHILD %d", &child); err == nil {
			continue
		}
		ready = strings.HasPrefix(line, "READY ")
	}
	for i := 0; i < 3; i++ {
		f, err := Freeze(child)
		if err != nil {
			t.Fatal(err)
		}
		checkFrozen(t, f)
		if err := f.Thaw(); err != nil {
			t.Fatal(err)
		}
	}
	// SIGTSTP, not SIGSTOP, so that a stop by SIGSTOP cannot pass for it.
	if err := syscall.Kill(child, syscall.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	if line := next(); line != fmt.Sprintf("WAIT stopped %d", syscall.SIGTSTP) {
		t.Errorf("the parent first saw %q, want the control's stop: it saw the freeze", line)
	}
	syscall.Kill(child, syscall.SIGCONT)
	if line := next(); line != "WAIT continued" {
		t.Errorf("the parent then saw %q, want the control's continue", line)
	}
}

// TestGroupStopKept freezes a target someone had stopped with SIGSTOP: its
// threads are reported in the group stop, and Thaw leaves the process
// stopped, as the signal intended, until a SIGCONT.
func TestGroupStopKept(t *testing.T) {
	mt := startMeter(t, "-n", "100")
	if err := syscall.Kill(mt.pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState := func(want byte) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for _, tid := range tasks(t, mt.pid) {
			for threadState(mt.pid, tid) != want {
				if time.Now().After(deadline) {
					t.Fatalf("thread %d is in state %c, want %c", tid, threadState(mt.pid, tid), want)
				}
				time.Sleep(100 * time.Microsecond) // polling /proc: there is no event to wait on
			}
		}
	}
	waitState('T')
	f, err := Freeze(mt.pid)
	if err != nil {
		t.Fatal(err)
	}
	checkFrozen(t, f)
	for _, th := range f.Threads() {
		if !th.GroupStop {
			t.Errorf("thread %d of a SIGSTOPped process is not reported in the group stop", th.TID)
		}
	}
	if err := f.Thaw(); err != nil {
		t.Fatal(err)
	}
	waitState('T') // stopped still, no longer traced
	checkRunning(t, mt.pid)
	if err := syscall.Kill(mt.pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	mt.awaitTicks(t, 5)
}

// TestRefusals checks that Freeze refuses, with the reason, what it cannot
// freeze, and leaves the process as it was.
func TestRefusals(t *testing.T) {
	t.Run("no such process", func(t *testing.T) {
		cmd := exec.Command("/bin/true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		if _, err := Freeze(cmd.Process.Pid); !errors.Is(err, ErrNoProcess) {
			t.Errorf("Freeze of exited pid %d: %v, want ErrNoProcess", cmd.Process.Pid, err)
		}
		if _, err := Freeze(-1); !errors.Is(err, ErrNoProcess) {
			t.Errorf("Freeze(-1): %v, want ErrNoProcess", err)
		}
	})
	t.Run("itself", func(t *testing.T) {
		if _, err := Freeze(os.Getpid()); !errors.Is(err, ErrPermission) {
			t.Errorf("Freeze of the test process: %v, want ErrPermission", err)
		}
	})
	t.Run("a thread, not a process", func(t *testing.T) {
		mt := startMeter(t, "-n", "10")
		for _, tid := range tasks(t, mt.pid) {
			if tid == mt.pid {
				continue
			}
			if _, err := Freeze(tid); !errors.Is(err, ErrNoProcess) {
				t.Errorf("Freeze of thread %d of %d: %v, want ErrNoProcess", tid, mt.pid, err)
			}
			break
		}
	})
	t.Run("zombie", func(t *testing.T) {
		cmd := exec.Command("/bin/true")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		deadline := time.Now().Add(10 * time.Second)
		for threadState(cmd.Process.Pid, cmd.Process.Pid) != 'Z' {
			if time.Now().After(deadline) {
				t.Fatal("the child did not become a zombie")
			}
			time.Sleep(time.Millisecond) // polling /proc: there is no event to wait on
		}
		if _, err := Freeze(cmd.Process.Pid); !errors.Is(err, ErrZombie) {
			t.Errorf("Freeze of zombie %d: %v, want ErrZombie", cmd.Process.Pid, err)
		}
	})
	t.Run("already traced", func(t *testing.T) {
		mt := startMeter(t, "-n", "10")
		helper, tracerTID, _ := startHelper(t, mt.pid, false)
		_, err := Freeze(mt.pid)
		if !errors.Is(err, ErrTraced) || !strings.Contains(err.Error(), strconv.Itoa(tracerTID)) {
			t.Errorf("Freeze of a process another tracer holds: %v, want ErrTraced naming %d", err, tracerTID)
		}
		for _, tid := range tasks(t, mt.pid) {
			if tp := tracerOf(mt.pid, tid); tp != tracerTID {
				t.Errorf("thread %d: tracer %d after the refused Freeze, want still %d", tid, tp, tracerTID)
			}
		}
		helper.Process.Kill()
		helper.Wait()
		mt.awaitTicks(t, 5)
	})
	t.Run("thawed twice", func(t *testing.T) {
		mt := startMeter(t, "-n", "10")
		f, err := Freeze(mt.pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Thaw(); err != nil {
			t.Fatal(err)
		}
		if err := f.Thaw(); err != nil {
			t.Errorf("second Thaw: %v", err)
		}
		if err := f.ReadRanges([]Range{{Addr: 0x1000, Buf: make([]byte, 8)}}); !errors.Is(err, ErrThawed) {
			t.Errorf("ReadRanges after Thaw: %v, want ErrThawed", err)
		}
	})
}
