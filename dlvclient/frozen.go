package dlvclient

import (
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dlv-tasks/dlv-tasks/internal/freeze"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/runtimemem"
	"github.com/dlv-tasks/dlv-tasks/trackermem"
)

// A low-pause snapshot of a live process (AttachSnapshot) stops the target
// only while the memory dlv-tasks reads is copied:
//
//  1. before the stop, the executable's tables are loaded (the runtime's
//     layout, symbols, the tracker's layout) — the slow part of an attach;
//  2. package freeze stops every thread (PTRACE_SEIZE + PTRACE_INTERRUPT)
//     and the runtime reader (runtimemem.Collect) and the tracker reader
//     (trackermem.Read) run over the frozen memory, recording every byte
//     they read; the used part of every goroutine's stack, each g whole,
//     the executable's writable segments and each thread's TLS word are
//     copied too, so that Delve can unwind every stack later;
//  3. the target runs again;
//  4. the copy is written as a Delve core dump (Delve's platform-independent
//     format: its header, one note per thread with its registers, the
//     copied memory as PT_LOAD segments) and opened with OpenCore: every
//     command reads it as it reads any core, through Delve.
//
// What was not copied (the heap beyond g's, label sets and the tracker's
// arenas: context values, for instance) reads as unreadable in the dump,
// never as the executable's initial data: the executable's writable
// segments are in the copy whole.

// Errors AttachSnapshot wraps, for errors.Is.
var (
	// ErrSnapshotUnsupported: the target cannot be snapshotted this way
	// (another platform, a position-independent executable); a full attach
	// can still read it.
	ErrSnapshotUnsupported = errors.New("a low-pause snapshot is not possible for this target")
	// ErrSnapshotNotPermitted: this process may not read or trace the
	// target (another user's process, ptrace_scope): a Delve attach says
	// why in its own words.
	ErrSnapshotNotPermitted = errors.New("not permitted to snapshot the process")
)

// Bounds on what a low-pause snapshot copies beyond what its readers read.
const (
	// maxSnapshotStack is the most of one goroutine's stack copied for
	// Delve's unwinder (the runtime reader walks deeper ones itself).
	maxSnapshotStack = 1 << 20
	// maxSnapshotStacks bounds the stack bytes copied in all.
	maxSnapshotStacks = 1 << 30
	// maxSnapshotSegment bounds one writable segment of the executable.
	maxSnapshotSegment = 1 << 30
	// mCopy is how much of the m of a goroutine on a thread is copied.
	mCopy = 4096
)

// Snapshot is how a low-pause snapshot went.
type SnapshotStats struct {
	// Pause is how long the target was stopped, from the first thread's
	// seize to the last one's release (as package freeze measured it).
	Pause time.Duration
	// Copied is the bytes of target memory copied while it was stopped.
	Copied int64
	// Threads is how many threads were stopped.
	Threads int
}

// AttachSnapshot takes a low-pause snapshot of the live process pid and
// opens it read-only, as a core (see the comment above): the target runs on
// as soon as its memory is copied. The session's Close removes the copy.
func AttachSnapshot(pid int) (*Session, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("snapshot pid %d: invalid pid", pid)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return nil, fmt.Errorf("snapshot pid %d: no such process", pid)
	}
	if err := checkAttachable(pid); err != nil {
		return nil, fmt.Errorf("snapshot pid %d: %w", pid, err)
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if errors.Is(err, os.ErrPermission) {
		return nil, fmt.Errorf("snapshot pid %d: its executable: %w (%w)", pid, err, ErrSnapshotNotPermitted)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot pid %d: its executable: %w", pid, err)
	}
	if err := checkLiveMachine(exe); err != nil {
		return nil, fmt.Errorf("snapshot pid %d: %w", pid, err)
	}
	if err := checkDebugInfo(exe); err != nil {
		return nil, fmt.Errorf("snapshot pid %d: %w", pid, err)
	}
	plan, err := planSnapshot(exe)
	if err != nil {
		return nil, fmt.Errorf("snapshot pid %d: %w", pid, err)
	}
	dump, stats, now, err := plan.take(pid)
	if err != nil {
		return nil, fmt.Errorf("snapshot pid %d: %w", pid, err)
	}
	s, err := OpenCore(exe, dump)
	if err != nil {
		os.Remove(dump)
		return nil, fmt.Errorf("snapshot pid %d: open the copy: %w", pid, err)
	}
	s.target = model.Target{Kind: KindSnapshot, PID: pid, Executable: exe, Live: false}
	s.frozen = &frozenState{dump: dump, stats: stats, clock: model.Clock{Now: now, Source: "CLOCK_MONOTONIC at the snapshot"}}
	s.rtReader, s.rtErr = &runtimeReader{lay: plan.lay, syms: plan.syms}, nil
	s.rtOnce.Do(func() {}) // the tables are the ones the copy was made with
	return s, nil
}

// KindSnapshot is the session kind of a low-pause snapshot of a live
// process: read like a core, the process itself running on.
const KindSnapshot = "snapshot"

// frozenState is what a snapshot session knows of its snapshot.
type frozenState struct {
	dump  string // the Delve core file holding the copy, removed on Close
	stats SnapshotStats
	clock model.Clock
}

// SnapshotStats returns how the session's low-pause snapshot went; ok is
// false for every other session.
func (s *Session) SnapshotStats() (SnapshotStats, bool) {
	if s.frozen == nil {
		return SnapshotStats{}, false
	}
	return s.frozen.stats, true
}

// snapshotPlan is what is learned of the executable before the target is
// stopped.
type snapshotPlan struct {
	exe      string
	entry    uint64
	lay      *runtimemem.Layout
	syms     *runtimemem.Symbols
	tracker  *trackermem.Layout // nil without the tracker
	root     uint64
	writable []elf.ProgHeader // the executable's writable PT_LOADs
	readonly []interval       // its read-only PT_LOADs: Delve reads them from the file
	// buildID is where the Go build id note is mapped, copied so that the
	// copy proves which executable the process runs (as a core does).
	buildID    uint64
	buildIDLen int
}

func planSnapshot(exe string) (*snapshotPlan, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, fmt.Errorf("executable %s: %w", exe, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%w: only non-PIE linux/amd64 executables are snapshotted (use a full attach)", ErrSnapshotUnsupported)
	}
	p := &snapshotPlan{exe: exe, entry: f.Entry}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_LOAD && prog.Flags&elf.PF_W == 0 {
			p.readonly = append(p.readonly, interval{prog.Vaddr, prog.Vaddr + prog.Filesz})
		}
		if prog.Type == elf.PT_LOAD && prog.Flags&elf.PF_W != 0 {
			if prog.Memsz > maxSnapshotSegment {
				return nil, fmt.Errorf("writable segment at %#x: implausible size %d", prog.Vaddr, prog.Memsz)
			}
			p.writable = append(p.writable, prog.ProgHeader)
		}
	}
	if sec := f.Section(".note.go.buildid"); sec != nil && sec.Size > 0 && sec.Size < 4096 {
		p.buildID, p.buildIDLen = sec.Addr, int(sec.Size)
	}
	if p.lay, err = runtimemem.LayoutFromELF(f); err != nil {
		return nil, err
	}
	if p.syms, err = runtimemem.SymbolsFromELF(f); err != nil {
		return nil, err
	}
	tl, root, err := trackermem.LayoutFromELF(f, model.TrackerPackage)
	switch {
	case err == nil:
		p.tracker, p.root = &tl, root
	case errors.Is(err, trackermem.ErrNoTracker):
	default:
		return nil, err
	}
	return p, nil
}

// take stops the target, copies what the readers read, lets it run and
// writes the copy as a Delve core file; it returns the file, how it went
// and the host's CLOCK_MONOTONIC at the stop (the runtime's nanotime).
func (p *snapshotPlan) take(pid int) (dump string, stats SnapshotStats, now int64, err error) {
	// No collection while the target is stopped: the copy allocates, and
	// a GC cycle would lengthen the pause.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	fr, err := freeze.Freeze(pid)
	if errors.Is(err, freeze.ErrPermission) {
		return "", stats, 0, fmt.Errorf("%w (%w)", err, ErrSnapshotNotPermitted)
	}
	if err != nil {
		return "", stats, 0, err
	}
	defer func() {
		if terr := fr.Thaw(); terr != nil && err == nil {
			err = terr
		}
	}()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err == nil {
		now = ts.Nano()
	}
	threads := fr.Threads()
	rec := &recordingMemory{mem: fr}
	if err := p.copy(rec, fr, threads); err != nil {
		return "", stats, 0, err
	}
	if err := fr.Thaw(); err != nil {
		return "", stats, 0, err
	}
	stats = SnapshotStats{Pause: fr.Pause(), Copied: rec.bytes, Threads: len(threads)}
	dump, err = writeSnapshotCore(pid, p.entry, threads, layout(rec.segments(), rec.holes))
	return dump, stats, now, err
}

// copy copies, in a few bulk passes, what the runtime reader and Delve read
// of a core: the executable's writable segments (the runtime's globals), the
// g's of runtime.allgs, the used part of every live goroutine's stack, their
// m's and label sets, each thread's TLS word, g and the top of its stack, and
// the tracker's records. Nothing is decoded beyond the pointers that lead
// to the next pass: the readers run on the copy after the target runs again.
func (p *snapshotPlan) copy(rec *recordingMemory, fr *freeze.Frozen, threads []freeze.Thread) error {
	c := &snapshotCopy{fr: fr, rec: rec, lay: p.lay}
	// Pass 1: globals, TLS, the build id.
	var pass []freeze.Range
	for _, seg := range p.writable {
		pass = append(pass, freeze.Range{Addr: seg.Vaddr, Buf: c.buf(seg.Memsz)})
	}
	if p.buildIDLen > 0 {
		pass = append(pass, freeze.Range{Addr: p.buildID, Buf: c.buf(uint64(p.buildIDLen))})
	}
	for _, th := range threads {
		if tls := th.Regs.FSBase; tls > 64 {
			pass = append(pass, freeze.Range{Addr: tls - 64, Buf: c.buf(128)})
		}
	}
	c.read(pass)
	hdr, ok := rec.lookup(p.lay.AllGs, 24)
	if !ok {
		return errors.New("read runtime.allgs: not in the executable's writable segments")
	}
	base, n := le64(hdr), le64(hdr[8:])
	if n == 0 {
		return ErrRuntimeNotStarted
	}
	if base == 0 || n > maxGoroutines || base+n*8 < base {
		return fmt.Errorf("read runtime.allgs: implausible slice (at %#x, len %d): corrupt memory?", base, n)
	}
	// Pass 2: the array of g pointers.
	arr := []freeze.Range{{Addr: base, Buf: c.buf(n * 8)}}
	c.read(arr)
	if arr[0].Err != nil {
		return fmt.Errorf("read runtime.allgs' %d pointers: %w", n, arr[0].Err)
	}
	// Pass 3: every g, and the g each thread's TLS names (g0 of an idle
	// thread, which allgs does not hold).
	gsize := max(p.lay.G.Size, 64)
	addrs := make([]uint64, 0, n+uint64(len(threads)))
	for i := uint64(0); i < n; i++ {
		if a := le64(arr[0].Buf[i*8:]); a != 0 && a+gsize > a {
			addrs = append(addrs, a)
		}
	}
	for _, th := range threads {
		if w, ok := rec.lookup(th.Regs.FSBase-8, 8); ok && th.Regs.FSBase > 8 {
			if a := le64(w); a != 0 && a+gsize > a {
				addrs = append(addrs, a)
			}
		}
	}
	gs := c.readStructs(addrs, gsize)
	// Pass 4: stacks, m's, label set headers, thread stack tops.
	g := &p.lay.G
	var next, labelSets []freeze.Range
	var stackBytes uint64
	seenM := map[uint64]bool{}
	for _, b := range gs {
		status := copiedField(b, g.Status) &^ 0x1000
		if m := copiedField(b, g.M); m != 0 && !seenM[m] {
			seenM[m] = true
			next = append(next, freeze.Range{Addr: m, Buf: c.buf(mCopy)})
		}
		if status == runtimemem.StatusDead || status == runtimemem.StatusDeadExtra {
			continue
		}
		lo, hi := copiedField(b, g.StackLo), copiedField(b, g.StackHi)
		if lo >= hi || hi-lo > 1<<30 {
			continue
		}
		if sp := usedFrom(lo, hi, copiedField(b, g.SchedSP), copiedField(b, g.SyscallSP)); sp != 0 {
			if sp > lo {
				rec.holes = append(rec.holes, interval{lo, sp})
			}
			size := min(hi-sp, maxSnapshotStack)
			if stackBytes+size <= maxSnapshotStacks {
				stackBytes += size
				next = append(next, freeze.Range{Addr: sp, Buf: c.buf(size)})
			}
		}
		if ls := copiedField(b, g.Labels); ls != 0 && p.lay.Labels.Known {
			labelSets = append(labelSets, freeze.Range{Addr: ls + p.lay.Labels.ListOffset, Buf: c.buf(24)})
		}
	}
	for _, th := range threads {
		next = append(next, freeze.Range{Addr: th.Regs.SP &^ 15, Buf: c.buf(threadStackCopy)})
	}
	c.read(append(next, labelSets...))
	for _, th := range threads {
		// A thread stack top that crosses the end of its mapping: take
		// what fits in its page.
		sp := th.Regs.SP &^ 15
		if _, ok := rec.lookup(sp, 8); !ok {
			c.read([]freeze.Range{{Addr: sp, Buf: c.buf(4096 - sp%4096)}})
		}
	}
	// Passes 5 and 6: label lists, then their strings.
	lay := p.lay.Labels
	var lists []freeze.Range
	for _, r := range labelSets {
		if r.Err != nil {
			continue
		}
		list, ln := le64(r.Buf), le64(r.Buf[8:])
		if list != 0 && ln > 0 && ln <= maxSnapshotLabels && lay.ElemSize >= 32 && lay.ElemSize <= 256 {
			lists = append(lists, freeze.Range{Addr: list, Buf: c.buf(ln * lay.ElemSize)})
		}
	}
	c.read(lists)
	var strs []freeze.Range
	for _, r := range lists {
		if r.Err != nil {
			continue
		}
		for off := uint64(0); off+lay.ElemSize <= uint64(len(r.Buf)); off += lay.ElemSize {
			for _, so := range []uint64{lay.KeyOffset, lay.ValueOffset} {
				if so+16 > lay.ElemSize {
					continue
				}
				ptr, sl := le64(r.Buf[off+so:]), le64(r.Buf[off+so+8:])
				if ptr != 0 && sl > 0 && sl <= maxSnapshotLabelString && !p.inExecutable(ptr, sl) {
					strs = append(strs, freeze.Range{Addr: ptr, Buf: c.buf(sl)})
				}
			}
		}
	}
	c.read(strs)
	if p.tracker != nil {
		// Read for its bytes: the session decodes the copy.
		_, _ = trackermem.Read(context.Background(), rec, p.root, *p.tracker, trackermem.Options{})
	}
	// Last pass: the few bytes between two copied ranges that nearly
	// touch (g's side by side in a span), so that they make one segment.
	c.read(rec.smallGaps(maxFilledGap))
	return nil
}

// maxFilledGap is the widest gap between two copied ranges that is copied
// too, to join them.
const maxFilledGap = 512

// interval is a span of target addresses [lo, hi).
type interval struct{ lo, hi uint64 }

// inExecutable reports whether [addr, addr+n) is in a read-only segment of
// the executable (a string constant): Delve reads those from the file.
func (p *snapshotPlan) inExecutable(addr, n uint64) bool {
	for _, r := range p.readonly {
		if addr >= r.lo && addr+n <= r.hi {
			return true
		}
	}
	return false
}

// Bounds of the label copy: what the runtime reader itself reads at most.
const (
	maxSnapshotLabels      = 1000
	maxSnapshotLabelString = 64 << 10
	// threadStackCopy is how much above each thread's stack pointer is
	// copied (the system stack of a thread in the runtime, a signal
	// frame).
	threadStackCopy = 32 << 10
)

// snapshotCopy reads passes of ranges from the frozen target into the copy.
type snapshotCopy struct {
	fr    *freeze.Frozen
	rec   *recordingMemory
	lay   *runtimemem.Layout
	chunk []byte // the free end of the current allocation
}

// readStructs copies size bytes at each of addrs (structures of one type,
// most of them side by side in the runtime's spans) in as few ranges as
// possible, and returns each structure's bytes; one that cannot be read is
// left out.
func (c *snapshotCopy) readStructs(addrs []uint64, size uint64) [][]byte {
	sort.Slice(addrs, func(i, j int) bool { return addrs[i] < addrs[j] })
	var spans []interval
	owner := make([]int, 0, len(addrs)) // addrs[i] is in spans[owner[i]]
	for _, a := range addrs {
		if k := len(spans) - 1; k >= 0 && a <= spans[k].hi+maxFilledGap && a+size-spans[k].lo <= 1<<20 {
			spans[k].hi = max(spans[k].hi, a+size)
			owner = append(owner, k)
			continue
		}
		spans = append(spans, interval{a, a + size})
		owner = append(owner, len(spans)-1)
	}
	rs := make([]freeze.Range, len(spans))
	for i, sp := range spans {
		rs[i] = freeze.Range{Addr: sp.lo, Buf: c.buf(sp.hi - sp.lo)}
	}
	_ = c.fr.ReadRanges(rs)
	out := make([][]byte, 0, len(addrs))
	var retry []freeze.Range
	for i, a := range addrs {
		r := &rs[owner[i]]
		if r.Err != nil {
			retry = append(retry, freeze.Range{Addr: a, Buf: c.buf(size)})
			continue
		}
		off := a - r.Addr
		out = append(out, r.Buf[off:off+size])
	}
	for _, r := range rs {
		if r.Err == nil {
			c.rec.add(r.Addr, r.Buf)
		}
	}
	// A joined range that failed (it crossed into unmapped memory): each
	// of its structures alone.
	c.read(retry)
	for _, r := range retry {
		if r.Err == nil {
			out = append(out, r.Buf)
		}
	}
	return out
}

// buf hands out n bytes for a range, from large allocations: tens of
// thousands of small ones would be most of the pause.
func (c *snapshotCopy) buf(n uint64) []byte {
	const chunkSize = 1 << 20
	if n > chunkSize/4 {
		return make([]byte, n)
	}
	if uint64(len(c.chunk)) < n {
		c.chunk = make([]byte, chunkSize)
	}
	b := c.chunk[:n:n]
	c.chunk = c.chunk[n:]
	return b
}

// read copies rs; a range that cannot be read whole is left out of the copy
// (it reads as unreadable in the dump).
func (c *snapshotCopy) read(rs []freeze.Range) {
	if len(rs) == 0 {
		return
	}
	_ = c.fr.ReadRanges(rs)
	for _, r := range rs {
		if r.Err == nil {
			c.rec.add(r.Addr, r.Buf)
		}
	}
}

// copiedField reads a field of a copied structure (0 when it is outside b).
func copiedField(b []byte, f runtimemem.Field) uint64 {
	if !f.Known() || f.Offset+f.Size > uint64(len(b)) {
		return 0
	}
	v := b[f.Offset : f.Offset+f.Size]
	switch f.Size {
	case 1:
		return uint64(v[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(v))
	case 4:
		return uint64(binary.LittleEndian.Uint32(v))
	case 8:
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// usedFrom is the lowest stack pointer of a goroutine's saved ones inside
// its stack [lo, hi): where its used stack begins (0: none is).
func usedFrom(lo, hi uint64, sps ...uint64) uint64 {
	best := uint64(0)
	for _, sp := range sps {
		if sp >= lo && sp < hi && (best == 0 || sp < best) {
			best = sp
		}
	}
	return best
}

// recordingMemory reads the frozen target and keeps a copy of every byte
// read.
type recordingMemory struct {
	mem   runtimemem.Memory
	spans []span
	bytes int64
	// holes are the unused parts of live goroutines' stacks, [lo, sp):
	// below a stack pointer nothing is read, so the copy may hold zeros
	// there to join two stacks' copies into one segment.
	holes []interval
}

type span struct {
	addr uint64
	data []byte
}

func (m *recordingMemory) ReadMemory(p []byte, addr uint64) error {
	if err := m.mem.ReadMemory(p, addr); err != nil {
		return err
	}
	m.add(addr, append([]byte(nil), p...))
	return nil
}

func (m *recordingMemory) add(addr uint64, data []byte) {
	if len(data) == 0 || addr+uint64(len(data)) < addr {
		return
	}
	m.spans = append(m.spans, span{addr, data})
	m.bytes += int64(len(data))
}

// lookup returns n recorded bytes at addr, if one span holds them all.
func (m *recordingMemory) lookup(addr uint64, n int) ([]byte, bool) {
	for i := len(m.spans) - 1; i >= 0; i-- {
		sp := &m.spans[i]
		if addr >= sp.addr && addr-sp.addr+uint64(n) <= uint64(len(sp.data)) {
			off := addr - sp.addr
			return sp.data[off : off+uint64(n)], true
		}
	}
	return nil, false
}

// smallGaps returns ranges for the gaps of at most widest bytes between the
// recorded spans.
func (m *recordingMemory) smallGaps(widest uint64) []freeze.Range {
	spans := append([]span(nil), m.spans...)
	sort.Slice(spans, func(i, j int) bool { return spans[i].addr < spans[j].addr })
	var out []freeze.Range
	var end uint64
	for i, s := range spans {
		if i > 0 && s.addr > end && s.addr-end <= widest {
			out = append(out, freeze.Range{Addr: end, Buf: make([]byte, s.addr-end)})
		}
		end = max(end, s.addr+uint64(len(s.data)))
	}
	return out
}

// segment is one PT_LOAD of the copy: the copied parts, in order, with
// zeros between them (only ever inside a stack hole).
type segment struct {
	addr, size uint64
	parts      []span
}

// layout joins the merged spans into segments where the gap between two is
// inside one stack hole: Delve's core reader keeps its segments in a list
// that each insertion copies, so tens of thousands of them (one per stack)
// take it tens of seconds to open.
func layout(spans []span, holes []interval) []segment {
	sort.Slice(holes, func(i, j int) bool { return holes[i].lo < holes[j].lo })
	inHole := func(lo, hi uint64) bool {
		i := sort.Search(len(holes), func(i int) bool { return holes[i].lo > lo }) - 1
		return i >= 0 && holes[i].hi >= hi
	}
	var out []segment
	for _, s := range spans {
		if n := len(out); n > 0 {
			last := &out[n-1]
			end := last.addr + last.size
			if s.addr > end && inHole(end, s.addr) {
				last.parts = append(last.parts, s)
				last.size = s.addr + uint64(len(s.data)) - last.addr
				continue
			}
		}
		out = append(out, segment{addr: s.addr, size: uint64(len(s.data)), parts: []span{s}})
	}
	return out
}

// segments merges the recorded spans into disjoint, ordered segments
// (overlapping reads of a frozen target hold the same bytes).
func (m *recordingMemory) segments() []span {
	spans := m.spans
	sort.Slice(spans, func(i, j int) bool { return spans[i].addr < spans[j].addr })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 {
			last := &out[n-1]
			end := last.addr + uint64(len(last.data))
			if s.addr <= end {
				if send := s.addr + uint64(len(s.data)); send > end {
					last.data = append(last.data, s.data[end-s.addr:]...)
				}
				continue
			}
		}
		out = append(out, span{s.addr, s.data})
	}
	m.spans = nil
	return out
}
