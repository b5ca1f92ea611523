package runtimemem

import (
	"fmt"
	"sort"
)

// start is where one goroutine's unwinding starts.
type start struct {
	pc, sp, bp uint64
	// table: frame 0 may be anywhere in its function (a thread's or a
	// signal's registers): take its frame size from the frame table.
	table bool
	// first is a pc listed before pc (the thread's pc of a goroutine on
	// the system stack), 0 for none.
	first uint64
}

// stacks unwinds the stack of every live goroutine, reading stack memory in
// bulk: the first StackWindow bytes above each stack pointer, neighbours
// joined, in batches of at most MaxRead bytes.
func (c *collector) stacks() error {
	gs := c.out.Goroutines
	starts := make([]start, len(gs))
	order := make([]int, 0, len(gs))
	for i := range gs {
		g := &gs[i]
		if g.Dead() {
			continue
		}
		if g.StackHi <= g.StackLo || g.StackHi-g.StackLo > maxStackSize {
			c.out.Corrupt.Note("bad stack bounds", fmt.Sprintf("goroutine %d: stack [%#x, %#x)", g.ID, g.StackLo, g.StackHi))
			g.StackErr = fmt.Sprintf("bad stack bounds [%#x, %#x)", g.StackLo, g.StackHi)
			continue
		}
		st, ok := c.startOf(g)
		if !ok {
			continue
		}
		if st.sp < g.StackLo || st.sp > g.StackHi {
			c.out.Corrupt.Note("stack pointer out of bounds", fmt.Sprintf("goroutine %d: sp %#x outside [%#x, %#x)", g.ID, st.sp, g.StackLo, g.StackHi))
			g.StackErr = fmt.Sprintf("stack pointer %#x outside the stack [%#x, %#x)", st.sp, g.StackLo, g.StackHi)
			g.Origin = OriginNone
			continue
		}
		starts[i] = st
		order = append(order, i)
	}
	sort.Slice(order, func(a, b int) bool { return starts[order[a]].sp < starts[order[b]].sp })
	win := uint64(c.opt.StackWindow)
	buf := make([]byte, 0, c.opt.MaxRead)
	progress := c.opt.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	progress(0, len(gs))
	reported := 0
	for i := 0; i < len(order); {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		if i-reported >= 1000 {
			progress(i, len(gs))
			reported = i
		}
		first := &gs[order[i]]
		lo := starts[order[i]].sp
		hi := min(lo+win, first.StackHi)
		j := i + 1
		for j < len(order) {
			g := &gs[order[j]]
			s := starts[order[j]].sp
			e := min(s+win, g.StackHi)
			if s > hi+maxJoinGap || max(e, hi)-lo > uint64(c.opt.MaxRead) {
				break
			}
			hi = max(hi, e)
			j++
		}
		w := window{addr: lo}
		if hi > lo {
			buf = buf[:hi-lo]
			if err := c.read(buf, lo); err == nil {
				w.data = buf
			}
		}
		for k := i; k < j; k++ {
			c.unwind(&gs[order[k]], starts[order[k]], w)
		}
		i = j
	}
	return nil
}

// startOf decides where g's stack is unwound from.
func (c *collector) startOf(g *G) (start, bool) {
	if t := g.threadRegs; t != nil && g.Status == StatusRunning {
		if t.SP >= g.StackLo && t.SP < g.StackHi {
			g.Origin = OriginThread
			return start{pc: t.PC, sp: t.SP, bp: t.BP, table: true}, true
		}
		// A signal handler may itself be interrupted by a signal (the
		// crashing thread raises SIGABRT inside the SIGQUIT handler): the
		// goroutine's own frames are below the outermost signal frame.
		pc, sp := t.PC, t.SP
		for range maxNestedSignals {
			var bp uint64
			var ok bool
			if pc, sp, bp, ok = c.signalContext(pc, sp); !ok {
				break
			}
			if sp >= g.StackLo && sp < g.StackHi {
				g.Origin = OriginSignal
				return start{pc: pc, sp: sp, bp: bp, table: true}, true
			}
		}
		if g.SchedPC != 0 && g.SchedSP != 0 {
			g.Origin = OriginSystemStack
			return start{pc: g.SchedPC, sp: g.SchedSP, bp: g.SchedBP, first: t.PC}, true
		}
		g.Origin = OriginThread
		g.StackErr = "its thread is off the goroutine's stack and no registers were saved"
		c.pushTop(g, []uint64{t.PC})
		return start{}, false
	}
	if g.Status == StatusSyscall && g.SyscallPC != 0 && g.SyscallSP != 0 {
		g.Origin = OriginSyscall
		return start{pc: g.SyscallPC, sp: g.SyscallSP, bp: g.SyscallBP}, true
	}
	if g.SchedPC == 0 || g.SchedSP == 0 {
		if g.Status != StatusRunning {
			c.out.Corrupt.Note("no saved registers", fmt.Sprintf("goroutine %d (status %d): g.sched is empty", g.ID, g.Status))
		}
		g.StackErr = "no saved registers (running on a thread that was not given)"
		return start{}, false
	}
	g.Origin = OriginSched
	return start{pc: g.SchedPC, sp: g.SchedSP, bp: g.SchedBP}, true
}

// stackMem reads one goroutine's stack memory: from the batch's window,
// else from a read of its own.
type stackMem struct {
	c       *collector
	batch   window
	own     window
	lo, hi  uint64
	readErr error
}

func (m *stackMem) word(addr uint64) (uint64, error) {
	if addr < m.lo || addr+8 > m.hi || addr+8 < addr {
		return 0, fmt.Errorf("address %#x outside the stack [%#x, %#x)", addr, m.lo, m.hi)
	}
	if m.batch.has(addr, 8) {
		return m.batch.word(addr), nil
	}
	if m.own.has(addr, 8) {
		return m.own.word(addr), nil
	}
	size := min(uint64(m.c.opt.StackWindow)*4, m.hi-addr, uint64(m.c.opt.MaxRead))
	if cap(m.own.data) < int(size) {
		m.own.data = make([]byte, size)
	}
	m.own.addr, m.own.data = addr, m.own.data[:size]
	if err := m.c.read(m.own.data, addr); err != nil {
		// The window may run into unmapped memory: the word alone.
		m.own.data = m.own.data[:8]
		if err := m.c.read(m.own.data, addr); err != nil {
			m.own.data = m.own.data[:0]
			return 0, err
		}
	}
	return m.own.word(addr), nil
}

// unwind walks g's stack from st by frame pointers, frame 0 by the frame
// table where st says so, recording the pcs.
func (c *collector) unwind(g *G, st start, batch window) {
	m := &stackMem{c: c, batch: batch, lo: g.StackLo, hi: g.StackHi}
	if len(c.out.pcs) > 1<<32-(c.opt.Depth+BottomDepth+2) {
		c.out.Corrupt.Note("too many frames", fmt.Sprintf("goroutine %d: the pcs of earlier goroutines fill the table", g.ID))
		g.StackErr = "too many frames in all"
		return
	}
	g.pcOff = uint32(len(c.out.pcs))
	var ring [BottomDepth]uint64
	n := 0
	push := func(pc uint64) {
		if n < c.opt.Depth {
			c.out.pcs = append(c.out.pcs, pc)
			g.pcTop++
		} else {
			ring[(n-c.opt.Depth)%BottomDepth] = pc
		}
		n++
	}
	fail := func(kind, detail string) {
		c.out.Corrupt.Note(kind, fmt.Sprintf("goroutine %d: %s", g.ID, detail))
		g.StackErr = detail
	}
	defer func() {
		g.Frames = n
		if extra := n - c.opt.Depth; extra > 0 {
			b := min(extra, BottomDepth)
			for k := extra - b; k < extra; k++ {
				c.out.pcs = append(c.out.pcs, ring[k%BottomDepth])
			}
			g.pcBottom = uint8(b)
		}
	}()
	if st.first != 0 {
		push(st.first)
	}
	pc, sp, bp := st.pc, st.sp, st.bp
	push(pc)
	if ft := c.opt.Frames; ft != nil && (st.table || bp == 0) {
		size, ok := ft.FrameSize(pc)
		if ok {
			slot := sp + size
			ret, err := m.word(slot)
			if err != nil {
				fail("unreadable stack", err.Error())
				return
			}
			nbp := bp
			if size >= 8 && bp == slot-8 {
				// The function has set its frame pointer: the caller's
				// is saved below the return address.
				if nbp, err = m.word(bp); err != nil {
					fail("unreadable stack", err.Error())
					return
				}
			}
			if ret == 0 {
				return
			}
			push(ret)
			sp, bp = slot+8, nbp
		}
	}
	prev := uint64(0)
	for {
		if bp == 0 {
			return // the outermost frame
		}
		if n >= c.opt.MaxFrames {
			g.StackCut = true
			return
		}
		if !c.spend(16) {
			g.StackErr = errWork.Error()
			return
		}
		if g.GoPC == 0 && g.StartPC == 0 && (bp < g.StackLo || bp >= g.StackHi) && n > 1 {
			// An extra M's goroutine (a cgo callback): below its Go
			// frames are the C frames of the thread that called into Go.
			return
		}
		if bp%8 != 0 || bp < sp || bp <= prev || bp < g.StackLo || bp+16 > g.StackHi {
			fail("bad frame pointer", fmt.Sprintf("frame pointer %#x after %#x (sp %#x, stack [%#x, %#x))", bp, prev, sp, g.StackLo, g.StackHi))
			return
		}
		ret, err := m.word(bp + 8)
		if err != nil {
			fail("unreadable stack", err.Error())
			return
		}
		nbp, err := m.word(bp)
		if err != nil {
			fail("unreadable stack", err.Error())
			return
		}
		if ret == 0 {
			return
		}
		push(ret)
		prev, sp, bp = bp, bp+16, nbp
	}
}

// pushTop records pcs as the whole stack of g.
func (c *collector) pushTop(g *G, pcs []uint64) {
	g.pcOff = uint32(len(c.out.pcs))
	n := min(len(pcs), c.opt.Depth)
	c.out.pcs = append(c.out.pcs, pcs[:n]...)
	g.pcTop = uint16(n)
	g.Frames = n
}

// maxNestedSignals bounds the signal frames looked through on one thread.
const maxNestedSignals = 4

// signalContext finds, on a thread's stack from the exact pc and sp (a
// thread in the runtime's signal handler), the register context of the
// signal: the frame table walks from there to runtime.sigtramp, whose return address slot
// the kernel's signal frame (a ucontext_t) follows. ok is false without a
// frame table, or when no signal frame is found.
func (c *collector) signalContext(pc, sp uint64) (rpc, rsp, rbp uint64, ok bool) {
	ft := c.opt.Frames
	if ft == nil || sp == 0 || sp+128<<10 < sp {
		return 0, 0, 0, false
	}
	// The signal stack is 32 KiB; the walk stays within 64 KiB of it.
	m := &stackMem{c: c, lo: sp, hi: sp + 64<<10}
	for i := 0; i < signalSearchFrames; i++ {
		size, ok := ft.FrameSize(pc)
		if !ok {
			return 0, 0, 0, false
		}
		slot := sp + size
		if ft.IsSignalTrampoline(pc) {
			uc := slot + 8
			m.hi = max(m.hi, uc+ucontextPC+8)
			rpc, err1 := m.word(uc + ucontextPC)
			rsp, err2 := m.word(uc + ucontextSP)
			rbp, err3 := m.word(uc + ucontextBP)
			if err1 != nil || err2 != nil || err3 != nil || rpc == 0 {
				return 0, 0, 0, false
			}
			return rpc, rsp, rbp, true
		}
		ret, err := m.word(slot)
		if err != nil || ret == 0 {
			return 0, 0, 0, false
		}
		pc, sp = ret-1, slot+8 // a return address: look it up in the call
	}
	return 0, 0, 0, false
}
