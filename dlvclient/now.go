package dlvclient

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// The runtime's clock (nanotime) is CLOCK_MONOTONIC. A goroutine's wait time
// is nanotime() - runtime.g.waitsince, which is what the runtime's traceback
// prints in minutes.
//
// On a live target on this host (attach, exec, or connect to a server whose
// target is a process here running the same executable) the clock is read
// directly: clock_gettime in this process is the target's nanotime, as long as
// both share a time namespace.
//
// A core has no clock, only the readings the runtime left in memory: each is
// a time the process was still alive at, so the latest of them is a lower
// bound of the moment the core was taken, and wait times measured to it are
// lower bounds. Read, with what each is (runtime, Go 1.26):
//   - sched.lastpoll: last network poll, 0 while a thread blocks in netpoll;
//     sysmon refreshes it about every 10 ms otherwise;
//   - memstats.last_gc_nanotime: end of the last GC (a forced GC runs at
//     least every 2 minutes);
//   - gcCPULimiter.lastUpdate: the GC CPU limiter's last update;
//   - sched.procresizetime: the last change of GOMAXPROCS;
//   - allp[i].limiterEvent.stamp: when the P last went idle (low 61 bits;
//     the top 3 are the event type);
//   - allp[i].sysmontick.schedwhen and .syscallwhen: sysmon's last look at
//     a running P;
//   - allp[i].gcStopTime: when the P last stopped for a stop-the-world;
//   - the goroutines' waitsince (starts of earlier GCs);
//   - the system monitor's last wake (now_sysmon.go), at most a minute old
//     in an idle process, where the others can be two minutes old.
// In an idle process nothing else reads the clock, and the crash itself
// stores no reading (the traceback's nanotime stays in registers; the ELF
// notes of a kernel core hold CPU times, no clock): the moment of the core
// is not in it. It is bounded from above instead, by when sysmon would next
// have woken (Clock.Before), so that a wait is known to lie between two
// figures and the runtime's own "N minutes" lies between them too.
// A reading before runtime.runtimeInitTime or more than maxUptime after it
// is corrupt and ignored.

// maxUptime bounds how long after its start a process's clock readings may be.
const maxUptime = int64(100 * 365 * 24 * 3600 * 1e9)

// maxProcs bounds len(runtime.allp) as read from the target.
const maxProcs = 1 << 14

// limiterStampMask keeps the time bits of a limiterEvent stamp.
const limiterStampMask = uint64(1)<<61 - 1

// clockReading is one candidate for "now".
type clockReading struct {
	source string
	value  int64
}

// clock finds the target's "now" for wait times.
func (s *Session) clock(raws []rawG) model.Clock {
	readings, wake := s.memoryClockReadings(raws)
	var best clockReading
	for _, r := range readings {
		if r.value > best.value {
			best = r
		}
	}
	if s.target.Live && s.sameHost() {
		if now, ok := hostMonotonic(); ok && now >= best.value {
			return model.Clock{Now: now, Source: "CLOCK_MONOTONIC"}
		}
	}
	if best.value == 0 {
		return model.Clock{}
	}
	c := model.Clock{Now: best.value, Source: best.source, LowerBound: true}
	if wake > best.value {
		c.Before, c.BeforeSource = wake, sourceSysmonWake
	}
	return c
}

// Sources of sysmon's readings (see now_sysmon.go).
const (
	sourceSysmonAwake = "runtime.sysmon's last wake"
	sourceSysmonWake  = "runtime.sysmon's next wake"
)

// memoryClockReadings collects the runtime's stored clock readings and, on
// a core, when sysmon would next have woken (0 unknown).
func (s *Session) memoryClockReadings(raws []rawG) ([]clockReading, int64) {
	scope := api.EvalScope{GoroutineID: -1}
	scalar := func(exprs ...string) (int64, bool) {
		for _, e := range exprs {
			v, err := s.client.EvalVariable(scope, e, api.LoadConfig{MaxVariableRecurse: 1, MaxStructFields: -1})
			if err != nil || v.Unreadable != "" {
				continue
			}
			if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
				return n, true
			}
			if n, err := strconv.ParseUint(v.Value, 10, 64); err == nil {
				return int64(n), true
			}
		}
		return 0, false
	}
	start, _ := scalar("runtime.runtimeInitTime")
	var out []clockReading
	add := func(source string, v int64) {
		if v <= 0 || v < start || (start > 0 && v-start > maxUptime) {
			return
		}
		out = append(out, clockReading{source, v})
	}
	for _, name := range []string{"runtime.sched.lastpoll", "runtime.memstats.last_gc_nanotime", "runtime.gcCPULimiter.lastUpdate", "runtime.sched.procresizetime"} {
		if v, ok := scalar(name+".value", name+".v", name); ok { // atomic types hold the value in a field
			add(name, v)
		}
	}
	for _, r := range s.procClockReadings() {
		add(r.source, r.value)
	}
	var waitsince int64
	for _, r := range raws {
		if r.status != gDead && r.status != gDeadExtra {
			waitsince = max(waitsince, r.waitSince)
		}
	}
	add("runtime.g.waitsince", waitsince)
	var wake int64
	if !s.target.Live {
		sysmon := s.sysmonReadings()
		add(sourceSysmonAwake, sysmon.awake)
		if sysmon.wake > 0 && sysmon.wake > start && (start == 0 || sysmon.wake-start <= maxUptime) {
			wake = sysmon.wake
		}
	}
	return out, wake
}

// procField is a clock field of runtime.p.
type procField struct {
	expr   string // below runtime.allp[0]
	source string
	mask   uint64
	offset uint64
}

// procClockReadings reads the per-P clock fields of every P.
func (s *Session) procClockReadings() []clockReading {
	scope := api.EvalScope{GoroutineID: -1}
	allp, err := s.client.EvalVariable(scope, "runtime.allp", shallowCfg)
	if err != nil || allp.Len <= 0 || allp.Len > maxProcs {
		return nil
	}
	p0, err := s.client.EvalVariable(scope, "*runtime.allp[0]", shallowCfg)
	if err != nil || p0.Addr == 0 {
		return nil
	}
	fields := []procField{
		{expr: "limiterEvent.stamp.value", source: "runtime.allp[].limiterEvent", mask: limiterStampMask},
		{expr: "sysmontick.schedwhen", source: "runtime.allp[].sysmontick.schedwhen", mask: ^uint64(0)},
		{expr: "sysmontick.syscallwhen", source: "runtime.allp[].sysmontick.syscallwhen", mask: ^uint64(0)},
		{expr: "gcStopTime", source: "runtime.allp[].gcStopTime", mask: ^uint64(0)},
	}
	known := fields[:0]
	lo, hi := ^uint64(0), uint64(0)
	for _, f := range fields {
		v, err := s.client.EvalVariable(scope, "runtime.allp[0]."+f.expr, shallowCfg)
		if err != nil || v.Addr < p0.Addr {
			continue
		}
		f.offset = v.Addr - p0.Addr
		lo, hi = min(lo, f.offset), max(hi, f.offset+8)
		known = append(known, f)
	}
	if len(known) == 0 || hi-lo > maxExamine {
		return nil
	}
	mem := s.memoryClient()
	ptrs, _, err := mem.ExamineMemory(allp.Base, int(allp.Len)*8)
	if err != nil || len(ptrs) != int(allp.Len)*8 {
		return nil
	}
	var out []clockReading
	for i := 0; i+8 <= len(ptrs); i += 8 {
		p := binary.LittleEndian.Uint64(ptrs[i:])
		if p == 0 {
			continue
		}
		buf, _, err := mem.ExamineMemory(p+lo, int(hi-lo))
		if err != nil || uint64(len(buf)) != hi-lo {
			continue
		}
		for _, f := range known {
			raw := binary.LittleEndian.Uint64(buf[f.offset-lo:])
			if f.mask == limiterStampMask && raw>>61 == 0 {
				continue // no event in flight: no time kept
			}
			out = append(out, clockReading{source: f.source, value: int64(raw & f.mask)})
		}
	}
	return out
}

// sameHost reports whether the target is a process on this host in this
// time namespace, so that this process's CLOCK_MONOTONIC is its nanotime.
// Embedded sessions (attach, exec) traced it through ptrace; a connect
// session's target is taken as local only when a process with its pid runs
// the same executable here (its Go build id is at the same address in both).
func (s *Session) sameHost() bool {
	pid := s.target.PID
	if pid <= 0 {
		return false
	}
	if !sameTimeNamespace(pid) {
		return false
	}
	switch s.target.Kind {
	case KindAttach, KindExec:
		return true
	case KindConnect:
		return s.sameExecutable(fmt.Sprintf("/proc/%d/exe", pid))
	}
	return false
}

// adoptLocalExecutable gives a connect session whose live target runs on
// this host the executable's path (/proc/PID/exe, checked by its build id),
// so that the executable's own tables (inlined frames, the runtime's lines,
// frame sizes) serve it as they serve attach. It must run before the
// executable's tables are first opened.
func (s *Session) adoptLocalExecutable() {
	if s.target.Kind != KindConnect || s.target.Executable != "" || !s.target.Live || s.target.PID <= 0 {
		return
	}
	path := fmt.Sprintf("/proc/%d/exe", s.target.PID)
	if !sameTimeNamespace(s.target.PID) || !s.sameExecutable(path) {
		return
	}
	if exe, err := os.Readlink(path); err == nil {
		s.target.Executable = exe
	}
}

// sameTimeNamespace reports whether pid shares this process's time namespace
// (true where the kernel has none).
func sameTimeNamespace(pid int) bool {
	ours, err1 := os.Readlink("/proc/self/ns/time")
	theirs, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/time", pid))
	if err1 != nil && err2 != nil {
		return true
	}
	return err1 == nil && err2 == nil && ours == theirs
}

// sameExecutable reports whether the executable at path holds, at its Go
// build id note's address, the bytes the target holds there.
func (s *Session) sameExecutable(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil || sec.Addr == 0 || sec.Size == 0 || sec.Size > 4096 {
		return false
	}
	want, err := sec.Data()
	if err != nil {
		return false
	}
	got, _, err := s.client.ExamineMemory(sec.Addr, len(want))
	return err == nil && bytes.Equal(got, want)
}
