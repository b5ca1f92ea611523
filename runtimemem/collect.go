package runtimemem

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// Raw goroutine status values (runtime/runtime2.go, Go 1.24–1.27).
const (
	StatusIdle      = 0
	StatusRunnable  = 1
	StatusRunning   = 2
	StatusSyscall   = 3
	StatusWaiting   = 4
	StatusDead      = 6
	StatusCopystack = 8
	StatusPreempted = 9
	StatusLeaked    = 10 // the goroutine leak profile's leaked goroutines
	StatusDeadExtra = 11 // a dead g parked on an extra M for cgo callbacks
	statusScan      = 0x1000
	maxStatus       = StatusDeadExtra
)

// Origin says where a goroutine's stack was unwound from.
type Origin uint8

// Origins of a stack.
const (
	// OriginNone: no stack was read (a dead goroutine, or bad bounds).
	OriginNone Origin = iota
	// OriginSched: the registers saved when it stopped running (g.sched);
	// frame 0 is the pc it resumes at.
	OriginSched
	// OriginSyscall: what entersyscall saved (g.syscallpc/sp/bp); frame 0
	// is the return address of that call.
	OriginSyscall
	// OriginThread: the registers of the thread running it; frame 0 is
	// the exact pc the thread stopped at.
	OriginThread
	// OriginSignal: the register context of a signal that interrupted it
	// (the thread is in the runtime's signal handler); frame 0 is the
	// interrupted pc.
	OriginSignal
	// OriginSystemStack: its thread is on the system stack: frame 0 is
	// the thread's pc, the frames after it those saved in g.sched when it
	// switched.
	OriginSystemStack
)

var originNames = [...]string{"none", "sched", "syscall", "thread", "signal", "system stack"}

// String names the origin.
func (o Origin) String() string {
	if int(o) < len(originNames) {
		return originNames[o]
	}
	return fmt.Sprintf("origin(%d)", o)
}

// FrameTable gives the runtime's own frame tables to Collect, which uses
// them where frame pointers are not enough: frame 0 of a goroutine stopped
// mid-function on a thread, and the signal frame of a thread in the
// runtime's signal handler. Symbols implements it. Collect works without
// one, with frame pointers alone.
type FrameTable interface {
	// FrameSize is how far the stack pointer at pc is below the slot of
	// the return address (the frame built so far); ok is false when pc is
	// in no known function.
	FrameSize(pc uint64) (size uint64, ok bool)
	// IsSignalTrampoline reports whether pc is in runtime.sigtramp, the
	// handler the kernel enters with a signal frame above it.
	IsSignalTrampoline(pc uint64) bool
}

// Options bounds Collect's work. The zero value gives the defaults.
type Options struct {
	// MaxRead is the most bytes asked of Memory at once (default 1 MiB).
	MaxRead int
	// Depth is how many pcs of each stack are kept, from the top
	// (default 64). Past it the walk goes on (to MaxFrames) keeping only
	// the last BottomDepth pcs.
	Depth int
	// MaxFrames bounds the frames walked per goroutine (default 16384).
	MaxFrames int
	// StackWindow is how many bytes above a goroutine's stack pointer are
	// read in the first pass over stacks (default 2048).
	StackWindow int
	// MaxGoroutines bounds len(runtime.allgs) (default 50,000,000).
	MaxGoroutines int
	// Frames, when not nil, are the executable's frame tables (Symbols).
	Frames FrameTable
	// Progress, when not nil, is told how many of the goroutines' stacks
	// (total: the records in runtime.allgs) have been read, now and then.
	Progress func(done, total int)
	// MaxWork bounds the whole collection: bytes read, plus the bytes of
	// every label decoded and 16 per frame walked (default 64 GiB). Once
	// spent, Collect stops reading and says so in Corrupt.
	MaxWork int64
}

// BottomDepth is how many pcs of the bottom of a stack deeper than
// Options.Depth are kept (the go statement's wrapper and what it called).
const BottomDepth = 4

func (o Options) withDefaults() Options {
	if o.MaxRead <= 0 {
		o.MaxRead = 1 << 20
	}
	o.MaxRead = max(o.MaxRead, 4096)
	if o.Depth <= 0 {
		o.Depth = 64
	}
	o.Depth = min(o.Depth, 4096)
	if o.MaxFrames <= 0 {
		o.MaxFrames = 1 << 14
	}
	o.MaxFrames = max(o.MaxFrames, o.Depth)
	if o.StackWindow <= 0 {
		o.StackWindow = 2048
	}
	o.StackWindow = min(max(o.StackWindow, 64), o.MaxRead)
	if o.MaxGoroutines <= 0 {
		o.MaxGoroutines = 50_000_000
	}
	if o.MaxWork <= 0 {
		o.MaxWork = 64 << 30
	}
	return o
}

// Bounds on what is read of the target.
const (
	// maxStackSize is the runtime's largest goroutine stack (64-bit).
	maxStackSize = 1 << 30
	// maxLabels is the most labels read of one goroutine.
	maxLabels = 1000
	// maxLabelString is the most bytes read of one label key or value.
	maxLabelString = 64 << 10
	// maxWaitReasons bounds runtime.waitReasonStrings.
	maxWaitReasons = 256
	// maxWaitReasonLen bounds one wait reason string.
	maxWaitReasonLen = 128
	// maxJoinGap is the largest run of unwanted bytes between two g
	// structs (or two stack windows) that one read still spans.
	maxJoinGap = 4096
	// signalSearchFrames bounds the frames walked on a signal stack.
	signalSearchFrames = 64
	// ucontext_t on linux/amd64: uc_mcontext.gregs at 40; REG_RBP is
	// gregs[10], REG_RSP gregs[15], REG_RIP gregs[16].
	ucontextBP = 40 + 10*8
	ucontextSP = 40 + 15*8
	ucontextPC = 40 + 16*8
)

// G is one runtime.g as read.
type G struct {
	// Addr is the address of the g.
	Addr uint64
	// ID and ParentID are goid and parentGoid.
	ID, ParentID int64
	// Status is the raw status, the GC's scan bit cleared.
	Status uint32
	// WaitReason is the raw wait reason (see Collection.WaitReason).
	WaitReason uint8
	// WaitSince is when it blocked (nanotime), 0 when not stamped.
	WaitSince int64
	// GoPC is the pc of the go statement that created it, StartPC the
	// function it started at.
	GoPC, StartPC uint64
	// Labels is the address of its label set (0: none); its labels are
	// Collection.LabelSets[Labels].
	Labels uint64
	// StackLo and StackHi bound its stack.
	StackLo, StackHi uint64
	// SchedPC, SchedSP, SchedBP are g.sched; SyscallPC, SyscallSP,
	// SyscallBP what entersyscall saved.
	SchedPC, SchedSP, SchedBP       uint64
	SyscallPC, SyscallSP, SyscallBP uint64
	// M is the address of the m running it (0: none).
	M uint64
	// ThreadID is the OS thread that has it as its current goroutine
	// (m.curg), 0 when none.
	ThreadID int
	// Origin says where its stack was unwound from.
	Origin Origin
	// Frames is how many frames the walk went through (Collection.PCs
	// holds at most Options.Depth + BottomDepth of them).
	Frames int
	// StackErr says why the walk stopped before the bottom of the stack
	// ("" when it reached it, or no stack was read).
	StackErr string
	// StackCut reports that the walk stopped at Options.MaxFrames.
	StackCut bool

	pcOff      uint32 // first pc in Collection.pcs
	pcTop      uint16 // pcs from the top
	pcBottom   uint8  // pcs from the bottom, after the top ones
	_          uint8
	threadRegs *Thread // the registers of its thread, while collecting
}

// Dead reports a goroutine record that holds no live goroutine.
func (g *G) Dead() bool { return g.Status == StatusDead || g.Status == StatusDeadExtra }

// LabelSet is one label set as read.
type LabelSet struct {
	// Labels are the set's labels (nil when Err is set).
	Labels map[string]string
	// Cut says what was left out ("" when the set was read whole).
	Cut string
	// Err says why the set could not be read ("" when it was).
	Err string
}

// Collection is what Collect read: every g, their label sets and stack pcs.
type Collection struct {
	// Goroutines are the records of runtime.allgs, dead ones included,
	// those that could not be read left out (and counted in Corrupt).
	Goroutines []G
	// LabelSets are the label sets of the live goroutines, by address.
	LabelSets map[uint64]LabelSet
	// WaitReasons are runtime.waitReasonStrings (nil when unreadable).
	WaitReasons []string
	// Corrupt counts what was found invalid.
	Corrupt Corruption
	// Reads and Bytes count the calls to Memory and the bytes they read.
	Reads int
	Bytes int64

	pcs []uint64
}

// PCs returns the stack pcs of g (frame 0 first): the top Options.Depth
// frames, then, when the stack is deeper, bottom holds its last
// BottomDepth pcs (outermost last).
func (c *Collection) PCs(g *G) (top, bottom []uint64) {
	off, n, b := int(g.pcOff), int(g.pcTop), int(g.pcBottom)
	if off+n+b > len(c.pcs) {
		return nil, nil
	}
	return c.pcs[off : off+n : off+n], c.pcs[off+n : off+n+b : off+n+b]
}

// WaitReason names a raw wait reason as the target's runtime prints it.
func (c *Collection) WaitReason(r uint8) string {
	if int(r) < len(c.WaitReasons) {
		return c.WaitReasons[r]
	}
	if r == 0 {
		return ""
	}
	return fmt.Sprintf("wait reason %d", r)
}

// ErrNoGoroutines is returned when runtime.allgs is empty: the runtime has
// not started (a process stopped at its entry point).
var ErrNoGoroutines = errors.New("runtime.allgs is empty: the Go runtime has not started")

// collector is the state of one Collect.
type collector struct {
	ctx  context.Context
	mem  Memory
	lay  *Layout
	opt  Options
	out  *Collection
	tidx map[int]*Thread
	work int64 // left of Options.MaxWork
}

// errWork is returned by reads once Options.MaxWork is spent.
var errWork = errors.New("the collection's work bound (Options.MaxWork) is spent")

// spend charges n units of work; false once the bound is spent (noted once).
func (c *collector) spend(n int64) bool {
	if c.work < n {
		if c.work >= 0 {
			c.out.Corrupt.Note("work bound spent", fmt.Sprintf("more than %d bytes of work: the rest is not read", c.opt.MaxWork))
		}
		c.work = -1
		return false
	}
	c.work -= n
	return true
}

// read fills p from addr in pieces of at most MaxRead bytes.
func (c *collector) read(p []byte, addr uint64) error {
	if addr+uint64(len(p)) < addr {
		return fmt.Errorf("read %d bytes at %#x: address overflow", len(p), addr)
	}
	if !c.spend(int64(len(p))) {
		return errWork
	}
	for off := 0; off < len(p); off += c.opt.MaxRead {
		end := min(off+c.opt.MaxRead, len(p))
		c.out.Reads++
		if err := c.mem.ReadMemory(p[off:end], addr+uint64(off)); err != nil {
			return fmt.Errorf("read %d bytes at %#x: %w", end-off, addr+uint64(off), err)
		}
		c.out.Bytes += int64(end - off)
	}
	return nil
}

func (c *collector) word(addr uint64) (uint64, error) {
	var b [8]byte
	if err := c.read(b[:], addr); err != nil {
		return 0, err
	}
	return le64(b[:]), nil
}

// Collect reads every goroutine of the target from its memory: the g
// records of runtime.allgs, their label sets, and the pcs of their stacks
// (from g.sched, what entersyscall saved, or, for a goroutine its thread is
// running, that thread's registers, found in threads by m.procid). It
// returns an error only when runtime.allgs itself cannot be read; anything
// else that cannot be read or does not pass validation is counted in
// Collection.Corrupt and left out.
func Collect(ctx context.Context, mem Memory, lay *Layout, threads []Thread, opt Options) (*Collection, error) {
	c := &collector{ctx: ctx, mem: mem, lay: lay, opt: opt.withDefaults(), out: &Collection{LabelSets: map[uint64]LabelSet{}}}
	c.work = c.opt.MaxWork
	c.tidx = make(map[int]*Thread, len(threads))
	for i := range threads {
		c.tidx[threads[i].ID] = &threads[i]
	}
	addrs, err := c.allgs()
	if err != nil {
		return nil, err
	}
	c.waitReasons()
	if err := c.readGs(addrs); err != nil {
		return nil, err
	}
	addrs = nil
	if err := c.threads(); err != nil {
		return nil, err
	}
	if err := c.labels(); err != nil {
		return nil, err
	}
	if err := c.stacks(); err != nil {
		return nil, err
	}
	for i := range c.out.Goroutines {
		c.out.Goroutines[i].threadRegs = nil
	}
	return c.out, nil
}

// allgs reads the addresses of every g.
func (c *collector) allgs() ([]uint64, error) {
	var hdr [24]byte
	if err := c.read(hdr[:], c.lay.AllGs); err != nil {
		return nil, fmt.Errorf("read runtime.allgs: %w", err)
	}
	base, n, capacity := le64(hdr[:]), le64(hdr[8:]), le64(hdr[16:])
	if n == 0 {
		return nil, ErrNoGoroutines
	}
	if n > capacity || base == 0 || n > uint64(c.opt.MaxGoroutines) || base+n*8 < base {
		return nil, fmt.Errorf("read runtime.allgs: implausible slice (at %#x, len %d, cap %d): corrupt memory?", base, n, capacity)
	}
	buf := make([]byte, n*8)
	if err := c.read(buf, base); err != nil {
		return nil, fmt.Errorf("read runtime.allgs array: %w", err)
	}
	addrs := make([]uint64, 0, n)
	for i := uint64(0); i < n; i++ {
		a := le64(buf[i*8:])
		if a == 0 || a%8 != 0 {
			c.out.Corrupt.Note("bad g pointer in allgs", fmt.Sprintf("allgs[%d] = %#x", i, a))
			continue
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// waitReasons reads runtime.waitReasonStrings.
func (c *collector) waitReasons() {
	n := c.lay.WaitReasonCount
	if c.lay.WaitReasonStrings == 0 || n <= 0 {
		return
	}
	if n > maxWaitReasons {
		c.out.Corrupt.Note("wait reasons", fmt.Sprintf("%d wait reason strings, the first %d read", n, maxWaitReasons))
		n = maxWaitReasons
	}
	hdrs := make([]byte, n*16)
	if err := c.read(hdrs, c.lay.WaitReasonStrings); err != nil {
		c.out.Corrupt.Note("wait reasons", err.Error())
		return
	}
	out := make([]string, n)
	for i := range out {
		p, l := le64(hdrs[i*16:]), le64(hdrs[i*16+8:])
		if l == 0 {
			continue
		}
		if l > maxWaitReasonLen || p == 0 {
			c.out.Corrupt.Note("wait reasons", fmt.Sprintf("wait reason %d: string at %#x of length %d", i, p, l))
			continue
		}
		b := make([]byte, l)
		if err := c.read(b, p); err != nil {
			c.out.Corrupt.Note("wait reasons", err.Error())
			continue
		}
		out[i] = string(b)
	}
	c.out.WaitReasons = out
}

// readGs reads the g structs at addrs, joining neighbours into one read.
func (c *collector) readGs(addrs []uint64) error {
	lo, hi := c.lay.G.span()
	if lo >= hi {
		return errors.New("runtime.g layout has no fields")
	}
	span := hi - lo
	order := make([]int, len(addrs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return addrs[order[i]] < addrs[order[j]] })
	out := make([]G, len(addrs))
	ok := make([]bool, len(addrs))
	buf := make([]byte, 0, c.opt.MaxRead)
	for i := 0; i < len(order); {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		start := addrs[order[i]] + lo
		j := i + 1
		for j < len(order) {
			prevEnd, next := addrs[order[j-1]]+hi, addrs[order[j]]+lo
			if next < prevEnd || next-prevEnd > maxJoinGap || next+span-start > uint64(c.opt.MaxRead) {
				break
			}
			j++
		}
		end := addrs[order[j-1]] + hi
		if end < start {
			c.out.Corrupt.Note("bad g pointer in allgs", fmt.Sprintf("g at %#x", addrs[order[i]]))
			i++
			continue
		}
		buf = buf[:end-start]
		if err := c.read(buf, start); err == nil {
			for k := i; k < j; k++ {
				off := addrs[order[k]] + lo - start
				out[order[k]], ok[order[k]] = c.decodeG(addrs[order[k]], buf[off:off+span], lo)
			}
		} else {
			// One unreadable g must not hide the others.
			for k := i; k < j; k++ {
				one := buf[:span]
				if err := c.read(one, addrs[order[k]]+lo); err != nil {
					c.out.Corrupt.Note("unreadable g", err.Error())
					continue
				}
				out[order[k]], ok[order[k]] = c.decodeG(addrs[order[k]], one, lo)
			}
		}
		i = j
	}
	kept := out[:0]
	for i := range out {
		if ok[i] {
			kept = append(kept, out[i])
		}
	}
	c.out.Goroutines = kept[:len(kept):len(kept)]
	return nil
}

// decodeG decodes one g from mem (which starts at offset lo of the g).
func (c *collector) decodeG(addr uint64, mem []byte, lo uint64) (G, bool) {
	get := func(f Field) uint64 {
		if !f.Known() {
			return 0
		}
		return leN(mem[f.Offset-lo:], f.Size)
	}
	l := &c.lay.G
	g := G{
		Addr:       addr,
		ID:         int64(get(l.Goid)),
		ParentID:   int64(get(l.ParentGoid)),
		WaitSince:  int64(get(l.WaitSince)),
		GoPC:       get(l.GoPC),
		StartPC:    get(l.StartPC),
		Labels:     get(l.Labels),
		StackLo:    get(l.StackLo),
		StackHi:    get(l.StackHi),
		SchedPC:    get(l.SchedPC),
		SchedSP:    get(l.SchedSP),
		SchedBP:    get(l.SchedBP),
		SyscallPC:  get(l.SyscallPC),
		SyscallSP:  get(l.SyscallSP),
		SyscallBP:  get(l.SyscallBP),
		M:          get(l.M),
		WaitReason: uint8(get(l.WaitReason)),
	}
	st := get(l.Status) &^ statusScan
	if st > maxStatus || st == 5 || st == 7 {
		c.out.Corrupt.Note("bad status", fmt.Sprintf("g at %#x: status %d", addr, get(l.Status)))
		return G{}, false
	}
	g.Status = uint32(st)
	if g.ID < 0 {
		c.out.Corrupt.Note("bad goroutine id", fmt.Sprintf("g at %#x: goid %d", addr, g.ID))
		return G{}, false
	}
	return g, true
}

// threads finds the thread of each goroutine that one has as its current
// goroutine (m.curg), reading each m once.
func (c *collector) threads() error {
	if !c.lay.M.ProcID.Known() || !c.lay.M.CurG.Known() {
		return nil
	}
	type mInfo struct {
		procid, curg uint64
		ok           bool
	}
	ms := map[uint64]mInfo{}
	lo := min(c.lay.M.ProcID.Offset, c.lay.M.CurG.Offset)
	hi := max(c.lay.M.ProcID.Offset+c.lay.M.ProcID.Size, c.lay.M.CurG.Offset+c.lay.M.CurG.Size)
	buf := make([]byte, hi-lo)
	for i := range c.out.Goroutines {
		g := &c.out.Goroutines[i]
		if g.M == 0 || g.Dead() {
			continue
		}
		m, seen := ms[g.M]
		if !seen {
			if err := c.ctx.Err(); err != nil {
				return err
			}
			if err := c.read(buf, g.M+lo); err != nil {
				c.out.Corrupt.Note("unreadable m", fmt.Sprintf("goroutine %d: %v", g.ID, err))
			} else {
				m = mInfo{leN(buf[c.lay.M.ProcID.Offset-lo:], c.lay.M.ProcID.Size), leN(buf[c.lay.M.CurG.Offset-lo:], c.lay.M.CurG.Size), true}
			}
			ms[g.M] = m
		}
		if !m.ok || m.curg != g.Addr || m.procid == 0 || m.procid > 1<<31 {
			continue
		}
		if len(c.tidx) > 0 {
			t := c.tidx[int(m.procid)]
			if t == nil {
				continue // the runtime's m, but no such thread
			}
			g.threadRegs = t
		}
		g.ThreadID = int(m.procid)
	}
	return nil
}

// labels reads the label set of every live goroutine, once per set.
func (c *collector) labels() error {
	if !c.lay.Labels.Known {
		return nil
	}
	m := &windows{c: c}
	for i := range c.out.Goroutines {
		g := &c.out.Goroutines[i]
		if g.Labels == 0 || g.Dead() {
			continue
		}
		if _, ok := c.out.LabelSets[g.Labels]; ok {
			continue
		}
		if err := c.ctx.Err(); err != nil {
			return err
		}
		set := readLabelSet(m, c.lay.Labels, g.Labels)
		if set.Err != "" {
			c.out.Corrupt.Note("label set", set.Err)
		}
		c.out.LabelSets[g.Labels] = set
	}
	return nil
}

// windows serves small reads from the latest few larger ones.
type windows struct {
	c      *collector
	chunks []window
}

// labelReadAhead is how far past a requested range a label read goes, so
// that a set, its list and its strings (allocated together) come in one.
const labelReadAhead = 1 << 10

func (m *windows) bytes(addr uint64, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	for i := range m.chunks {
		if m.chunks[i].has(addr, uint64(n)) {
			off := addr - m.chunks[i].addr
			return m.chunks[i].data[off : off+uint64(n)], nil
		}
	}
	size := max(n, min(n+labelReadAhead, m.c.opt.MaxRead))
	data := make([]byte, size)
	if err := m.c.read(data, addr); err != nil {
		// The read-ahead may run into unmapped memory: the exact range.
		data = data[:n]
		if err := m.c.read(data, addr); err != nil {
			return nil, err
		}
	}
	m.chunks = append(m.chunks, window{addr, data})
	if len(m.chunks) > 8 {
		m.chunks = m.chunks[1:]
	}
	return data[:n], nil
}

// readLabelSet decodes the label set at addr. Lengths beyond the bounds are
// cut (and said so); unreadable memory is an error.
func readLabelSet(m *windows, lay LabelLayout, addr uint64) LabelSet {
	hdr, err := m.bytes(addr+lay.ListOffset, 24)
	if err != nil {
		return LabelSet{Err: fmt.Sprintf("label set at %#x: %v", addr, err)}
	}
	list, n, capacity := le64(hdr), le64(hdr[8:]), le64(hdr[16:])
	if n > capacity || (n > 0 && list == 0) {
		return LabelSet{Err: fmt.Sprintf("label set at %#x: corrupt list (len %d, cap %d, at %#x)", addr, n, capacity, list)}
	}
	var cuts []string
	if n > maxLabels {
		cuts = append(cuts, fmt.Sprintf("%d labels, the first %d read", n, maxLabels))
		n = maxLabels
	}
	out := LabelSet{Labels: make(map[string]string, n)}
	if n == 0 {
		return out
	}
	if lay.ElemSize < 32 || lay.KeyOffset+16 > lay.ElemSize || lay.ValueOffset+16 > lay.ElemSize {
		return LabelSet{Err: "label layout of unexpected sizes"}
	}
	elems, err := m.bytes(list, int(n*lay.ElemSize))
	if err != nil {
		return LabelSet{Err: fmt.Sprintf("label list at %#x: %v", list, err)}
	}
	str := func(h []byte) (string, bool, error) {
		p, l := le64(h), le64(h[8:])
		cut := false
		if l > maxLabelString {
			l, cut = maxLabelString, true
		}
		if l > 0 && p == 0 {
			return "", false, fmt.Errorf("nil string of length %d", l)
		}
		b, err := m.bytes(p, int(l))
		return string(b), cut, err
	}
	for i := uint64(0); i < n; i++ {
		e := elems[i*lay.ElemSize:]
		k, kcut, err := str(e[lay.KeyOffset:])
		if err != nil {
			return LabelSet{Err: fmt.Sprintf("label set at %#x: label %d key: %v", addr, i, err)}
		}
		v, vcut, err := str(e[lay.ValueOffset:])
		if err != nil {
			return LabelSet{Err: fmt.Sprintf("label set at %#x: label %q value: %v", addr, k, err)}
		}
		if !m.c.spend(int64(32 + len(k) + len(v))) {
			return LabelSet{Err: fmt.Sprintf("label set at %#x: %v", addr, errWork)}
		}
		if kcut || vcut {
			cuts = append(cuts, fmt.Sprintf("label %q cut at %d bytes", k, maxLabelString))
		}
		out.Labels[k] = v
	}
	for i, s := range cuts {
		if i == 0 {
			out.Cut = s
		} else {
			out.Cut += "; " + s
		}
	}
	return out
}
