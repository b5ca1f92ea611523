package dlvclient

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-delve/delve/service/api"
)

// maxExamine is the most bytes Delve's ExamineMemory returns in one call.
const maxExamine = 1 << 16

// maxJoinGap is the largest run of unwanted bytes between two g structs that
// one memory read still spans (measured: 512 halves the raw read's time
// against always filling 64 KiB).
const maxJoinGap = 512

// maxGoroutines bounds len(runtime.allgs) as read from the target, so corrupt
// memory in a core cannot make the reader allocate without limit.
const maxGoroutines = 50_000_000

// Raw runtime goroutine status values (runtime/runtime2.go, Go 1.26).
const (
	gIdle       = 0
	gRunnable   = 1
	gRunning    = 2
	gSyscall    = 3
	gWaiting    = 4
	gDead       = 6
	gCopystack  = 8
	gPreempted  = 9
	gLeaked     = 10 // goroutine leak profile experiment
	gDeadExtra  = 11 // dead g parked on an extra M for cgo callbacks
	gScanBit    = 0x1000
	gStatusMask = ^uint64(gScanBit)
)

// gField names the runtime.g fields dlv-tasks reads in bulk.
type gField struct {
	name   string
	offset uint64
	size   uint64
	found  bool
}

// runtimeLayout is what dlv-tasks learns once per session about the target's
// runtime: where the fields of runtime.g are and how wait reasons read.
type runtimeLayout struct {
	goid, parentGoid, gopc, startpc, status, waitReason, waitSince, labels gField
	syscallpc, syscallsp                                                   gField
	// labelSet is where the label set g.labels points at keeps its labels.
	labelSet labelLayout
	// span is the byte range [lo, hi) of a g that holds every field above.
	lo, hi      uint64
	waitReasons []string
}

// rawG is one runtime.g as read from memory.
type rawG struct {
	addr       uint64
	goid       int64
	parentGoid int64
	gopc       uint64
	startpc    uint64
	status     uint64
	waitReason uint64
	waitSince  int64
	labels     uint64 // address of the goroutine's label set, 0 for none
	syscallpc  uint64 // where a goroutine in a system or cgo call entered it
	syscallsp  uint64
}

var shallowCfg = api.LoadConfig{FollowPointers: false, MaxVariableRecurse: 0, MaxStringLen: 0, MaxArrayValues: 0, MaxStructFields: -1}

// learnRuntime reads the layout of runtime.g from the target's debug info by
// evaluating one g and taking each field's address minus the struct's.
func (s *Session) learnRuntime() (*runtimeLayout, error) {
	s.mu.Lock()
	rt := s.rt
	s.mu.Unlock()
	if rt != nil {
		return rt, nil
	}
	scope := api.EvalScope{GoroutineID: -1}
	g, err := s.client.EvalVariable(scope, "*runtime.allgs[0]", shallowCfg)
	if err != nil {
		if isDelveError(err, errDelveCannotIndex) {
			return nil, ErrRuntimeNotStarted
		}
		if isDelveError(err, errDelveNoDebugInfo) {
			return nil, fmt.Errorf("read runtime.allgs: the target binary has no DWARF debug info (built with -ldflags=-w, or stripped): %w", err)
		}
		return nil, fmt.Errorf("read runtime.allgs: %w", err)
	}
	if g.Unreadable != "" {
		return nil, fmt.Errorf("read runtime.allgs[0]: %s", g.Unreadable)
	}
	rt = &runtimeLayout{
		goid: gField{name: "goid"}, parentGoid: gField{name: "parentGoid"},
		gopc: gField{name: "gopc"}, startpc: gField{name: "startpc"},
		status: gField{name: "atomicstatus"}, waitReason: gField{name: "waitreason"},
		waitSince: gField{name: "waitsince"}, labels: gField{name: "labels"},
		syscallpc: gField{name: "syscallpc"}, syscallsp: gField{name: "syscallsp"},
	}
	fields := []*gField{&rt.goid, &rt.parentGoid, &rt.gopc, &rt.startpc, &rt.status, &rt.waitReason, &rt.waitSince, &rt.labels, &rt.syscallpc, &rt.syscallsp}
	for _, c := range g.Children {
		for _, f := range fields {
			if c.Name == f.name {
				f.offset, f.found = c.Addr-g.Addr, true
				f.size = fieldSize(c)
			}
		}
	}
	for _, f := range []*gField{&rt.goid, &rt.status} {
		if !f.found {
			return nil, fmt.Errorf("runtime.g has no field %s: unsupported Go runtime", f.name)
		}
	}
	rt.lo, rt.hi = ^uint64(0), 0
	for _, f := range fields {
		if !f.found {
			continue
		}
		rt.lo = min(rt.lo, f.offset)
		rt.hi = max(rt.hi, f.offset+f.size)
	}
	rt.waitReasons = s.readWaitReasons()
	if rt.labels.found {
		rt.labelSet = s.learnLabelLayout(g.Addr)
	}
	s.mu.Lock()
	s.rt = rt
	s.mu.Unlock()
	return rt, nil
}

// fieldSize gives the byte size of the integer fields we read.
func fieldSize(v api.Variable) uint64 {
	t := v.RealType
	switch {
	case strings.Contains(t, "int8"), t == "runtime.waitReason", strings.HasSuffix(t, "waitReason"):
		return 1
	case strings.Contains(t, "int16"):
		return 2
	case strings.Contains(t, "int32"), strings.Contains(t, "Uint32"):
		return 4
	}
	return 8
}

// readWaitReasons loads runtime.waitReasonStrings, so wait reasons print
// exactly as this target's runtime prints them.
func (s *Session) readWaitReasons() []string {
	cfg := api.LoadConfig{MaxStringLen: 128, MaxArrayValues: 256, MaxVariableRecurse: 1, MaxStructFields: -1}
	v, err := s.client.EvalVariable(api.EvalScope{GoroutineID: -1}, "runtime.waitReasonStrings", cfg)
	if err != nil {
		return nil
	}
	out := make([]string, len(v.Children))
	for i, c := range v.Children {
		out[i] = c.Value
	}
	return out
}

// waitReasonText names a raw wait reason.
func (rt *runtimeLayout) waitReasonText(r uint64) string {
	if r < uint64(len(rt.waitReasons)) {
		return rt.waitReasons[r]
	}
	if r == 0 {
		return ""
	}
	return fmt.Sprintf("wait reason %d", r)
}

// allgs returns the addresses of every runtime.g (runtime.allgs), dead ones
// included, reading the pointer array in bulk.
// ErrRuntimeNotStarted is returned when the target is stopped before the Go
// runtime has started (at the entry point, where exec stops).
var ErrRuntimeNotStarted = errors.New("the Go runtime has not started yet (the target is stopped at its entry point): run it into main first, e.g. break main.main, then continue")

func (s *Session) allgs(ctx context.Context) ([]uint64, error) {
	v, err := s.client.EvalVariable(api.EvalScope{GoroutineID: -1}, "runtime.allgs", shallowCfg)
	if isDelveError(err, errDelveCannotIndex) || err == nil && v.Len == 0 {
		// Stopped before the runtime made its first goroutine (exec stops at
		// the entry point): there is nothing to list yet.
		return nil, ErrRuntimeNotStarted
	}
	if err != nil {
		return nil, fmt.Errorf("read runtime.allgs: %w", err)
	}
	if v.Len < 0 || v.Len > maxGoroutines {
		return nil, fmt.Errorf("read runtime.allgs: implausible length %d (corrupt memory?)", v.Len)
	}
	n := int(v.Len)
	addrs := make([]uint64, 0, n)
	for off := 0; off < n*8; off += maxExamine {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		size := min(maxExamine, n*8-off)
		mem, _, err := s.client.ExamineMemory(v.Base+uint64(off), size)
		if err != nil {
			return nil, fmt.Errorf("read runtime.allgs array at %#x: %w", v.Base+uint64(off), err)
		}
		if len(mem) != size {
			return nil, fmt.Errorf("read runtime.allgs array at %#x: short read", v.Base+uint64(off))
		}
		for i := 0; i+8 <= len(mem); i += 8 {
			addrs = append(addrs, binary.LittleEndian.Uint64(mem[i:]))
		}
	}
	return addrs, nil
}

// readGs reads the fields of every g at addrs, batching neighbouring structs
// into reads of at most 64 KiB. progress, if not nil, is told how many of
// the structs have been read.
func (s *Session) readGs(ctx context.Context, rt *runtimeLayout, addrs []uint64, progress func(done int)) ([]rawG, error) {
	sorted := make([]uint64, 0, len(addrs))
	for _, a := range addrs {
		if a != 0 {
			sorted = append(sorted, a)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	out := make([]rawG, 0, len(sorted))
	span := rt.hi - rt.lo
	mem := s.memoryClient()
	for i := 0; i < len(sorted); {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := sorted[i] + rt.lo
		j := i + 1
		// Join the next g into this read while it fits and the bytes in
		// between are few: transferring a gap costs more than a call.
		for j < len(sorted) && sorted[j]+rt.hi-start <= maxExamine &&
			sorted[j]+rt.lo >= sorted[j-1]+rt.hi && sorted[j]+rt.lo-(sorted[j-1]+rt.hi) <= maxJoinGap {
			j++
		}
		end := sorted[j-1] + rt.hi
		buf, _, err := mem.ExamineMemory(start, int(end-start))
		if err != nil || uint64(len(buf)) != end-start {
			// One unreadable g must not hide the others: fall back to one read each.
			for k := i; k < j; k++ {
				one, _, err := mem.ExamineMemory(sorted[k]+rt.lo, int(span))
				if err != nil || uint64(len(one)) != span {
					continue
				}
				out = append(out, rt.decode(sorted[k], one))
			}
		} else {
			for k := i; k < j; k++ {
				off := sorted[k] + rt.lo - start
				out = append(out, rt.decode(sorted[k], buf[off:off+span]))
			}
		}
		i = j
		if progress != nil {
			progress(i)
		}
	}
	return out, nil
}

// decode extracts the fields of one g from mem, which starts at addr+lo.
func (rt *runtimeLayout) decode(addr uint64, mem []byte) rawG {
	get := func(f gField) uint64 {
		if !f.found {
			return 0
		}
		b := mem[f.offset-rt.lo:]
		switch f.size {
		case 1:
			return uint64(b[0])
		case 2:
			return uint64(binary.LittleEndian.Uint16(b))
		case 4:
			return uint64(binary.LittleEndian.Uint32(b))
		}
		return binary.LittleEndian.Uint64(b)
	}
	return rawG{
		addr:       addr,
		goid:       int64(get(rt.goid)),
		parentGoid: int64(get(rt.parentGoid)),
		gopc:       get(rt.gopc),
		startpc:    get(rt.startpc),
		status:     get(rt.status) & gStatusMask,
		waitReason: get(rt.waitReason),
		waitSince:  int64(get(rt.waitSince)),
		labels:     get(rt.labels),
		syscallpc:  get(rt.syscallpc),
		syscallsp:  get(rt.syscallsp),
	}
}
