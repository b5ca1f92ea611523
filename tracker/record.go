package tracker

import (
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

func init() {
	initClock(&root.internal.clock, tscTrusted(), time.Duration(clockResync))
	now := nowNanos()
	root.initNanos = now
	root.ended = newEndRing(defaultHistory)
	root.cancels = newCancelRing(defaultHistory)
	for i := range root.internal.goids {
		root.internal.goids[i].m = make(map[uint64]*task)
	}
	root.goidOffset = findGoidOffset()
	calibrateFP()
	labelsOff = initLabels()
	touch(now)
}

func spinYield() { runtime.Gosched() }

// touchGrain is how far recentNanos may lag behind the newest record: touch skips its
// compare-and-swap (on a cache line every core writes) while recentNanos is younger.
const touchGrain = int64(time.Millisecond)

// touch advances the time of the latest write to now, to within touchGrain (it never
// goes back).
func touch(now int64) {
	if now-atomic.LoadInt64(&root.recentNanos) < touchGrain {
		return
	}
	for {
		old := atomic.LoadInt64(&root.recentNanos)
		if old >= now || atomic.CompareAndSwapInt64(&root.recentNanos, old, now) {
			return
		}
	}
}

// putString copies s into dst (truncated) and returns the kept length.
func putString(dst []byte, s string) uint64 {
	return uint64(copy(dst, s))
}

// putPCs copies pcs into dst (truncated) and returns the kept count.
func putPCs(dst *[stackMax]uint64, pcs []uintptr) uint64 {
	n := min(len(pcs), stackMax)
	for i := 0; i < n; i++ {
		dst[i] = uint64(pcs[i])
	}
	return uint64(n)
}

// liveSlot returns the record of live slot i.
func liveSlot(i uint32) *taskRecord {
	c := (*liveChunk)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&root.live.chunks[i/liveChunkLen]))))
	return &c.recs[i%liveChunkLen]
}

// freeLink returns the free-list link of live slot i.
func freeLink(i uint32) *atomic.Uint32 {
	return &root.internal.freeNext[i/liveChunkLen][i%liveChunkLen]
}

// allocLive takes a free live slot, growing the arena by one chunk when needed.
// ok is false when the arena is full.
func allocLive() (idx uint32, ok bool) {
	in := &root.internal
	for {
		h := in.freeHead.Load()
		top := uint32(h & freeIdxMask)
		if top == 0 {
			break
		}
		next := freeLink(top - 1).Load()
		if in.freeHead.CompareAndSwap(h, (h>>freeIdxBits+1)<<freeIdxBits|uint64(next)) {
			return top - 1, true
		}
	}
	return growLive()
}

// growLive hands out a never used slot, allocating its chunk if needed.
func growLive() (idx uint32, ok bool) {
	in := &root.internal
	in.growMu.Lock()
	defer in.growMu.Unlock()
	used := atomic.LoadUint64(&root.live.used)
	nch := atomic.LoadUint64(&root.live.nchunks)
	if used == nch*liveChunkLen {
		if nch == liveChunksMax {
			atomic.AddUint64(&root.live.dropped, 1)
			return 0, false
		}
		in.freeNext[nch] = new([liveChunkLen]atomic.Uint32)
		c := new(liveChunk)
		atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&root.live.chunks[nch])), unsafe.Pointer(c))
		atomic.StoreUint64(&root.live.nchunks, nch+1)
	}
	atomic.StoreUint64(&root.live.used, used+1)
	return uint32(used), true
}

// freeLive puts live slot idx (whose record is already cleared) on the free list.
func freeLive(idx uint32) {
	in := &root.internal
	link := freeLink(idx)
	for {
		h := in.freeHead.Load()
		link.Store(uint32(h & freeIdxMask))
		if in.freeHead.CompareAndSwap(h, (h>>freeIdxBits+1)<<freeIdxBits|uint64(idx+1)) {
			return
		}
	}
}

// reservePreserved reserves a preserved slot, allocating its chunk if needed.
// It returns -1 when the preserved arena is full.
func reservePreserved() int64 {
	in := &root.internal
	in.presMu.Lock()
	defer in.presMu.Unlock()
	k := atomic.LoadUint64(&root.preserved.reserved)
	if k >= presChunkLen*presChunksMax {
		atomic.AddUint64(&root.preserved.dropped, 1)
		return -1
	}
	nch := atomic.LoadUint64(&root.preserved.nchunks)
	if k == nch*presChunkLen {
		c := new(presChunk)
		atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&root.preserved.chunks[nch])), unsafe.Pointer(c))
		atomic.StoreUint64(&root.preserved.nchunks, nch+1)
	}
	atomic.StoreUint64(&root.preserved.reserved, k+1)
	return int64(k)
}

func presSlot(k int64) *endRecord {
	c := (*presChunk)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&root.preserved.chunks[k/presChunkLen]))))
	return &c.recs[k%presChunkLen]
}

// liveInfo is what a starting task writes into its live record.
type liveInfo struct {
	id, parentID, groupID, ctxID, flags uint64
	startNanos                          int64
	name, groupName                     string
}

// writeLive fills live record r for a starting task. It captures the creation stack
// straight into the record, skip as for captureStack called by writeLive's caller.
//
//go:noinline
func writeLive(r *taskRecord, li *liveInfo, skip int) {
	s := seqBegin(&r.seq)
	r.id = li.id
	r.parentID = li.parentID
	r.goid = 0
	r.groupID = li.groupID
	r.ctxID = li.ctxID
	r.startNanos = li.startNanos
	r.flags = li.flags
	r.nameLen = putString(r.name[:], li.name)
	r.groupNameLen = putString(r.groupName[:], li.groupName)
	if unsafe.Sizeof(uintptr(0)) == unsafe.Sizeof(uint64(0)) {
		r.npcs = uint64(captureStack(skip+1, unsafe.Slice((*uintptr)(unsafe.Pointer(&r.pcs[0])), stackMax)))
	} else {
		var pcs [stackMax]uintptr
		n := captureStack(skip+1, pcs[:])
		r.npcs = putPCs(&r.pcs, pcs[:n])
	}
	seqEnd(&r.seq, s)
	touch(li.startNanos)
}

// setLiveGoid stores the goroutine id once the task's goroutine runs. It is one atomic
// 8-byte store outside the seqlock: goid goes from 0 to its value once, and a reader
// that sees either value sees a consistent record (LAYOUT.md, "Seqlock protocol").
func setLiveGoid(r *taskRecord, goid uint64) {
	atomic.StoreUint64(&r.goid, goid)
}

// clearLive marks the live record free: one atomic store of id = 0 outside the seqlock.
// A reader sees the whole record of the ending task or a free slot; the next owner
// rewrites the slot under the seqlock (LAYOUT.md, "Seqlock protocol").
func clearLive(r *taskRecord) {
	atomic.StoreUint64(&r.id, 0)
}

// endInfo is what the task wrapper knows about an ending task.
type endInfo struct {
	outcome  uint64
	text     string
	panicPCs []uintptr
	endNanos int64
	goid     uint64
}

// claimRecord begins the seqlocked write of a ring (or preserved) record as write index
// w and stores w in its index. ok is false, and the record left untouched, when a writer
// that claimed the slot a whole ring later got there first: the older record is already
// evicted and must not overwrite the newer one.
func claimRecord(seq, index *uint64, w uint64) (s uint64, ok bool) {
	s = seqBegin(seq)
	if *index > w {
		seqEnd(seq, s)
		return 0, false
	}
	*index = w
	return s, true
}

// fillEnd writes an end record from the live record lr (read by its only writer).
func fillEnd(e *endRecord, index uint64, lr *taskRecord, ei *endInfo) {
	s, ok := claimRecord(&e.seq, &e.index, index)
	if !ok {
		return
	}
	e.id = lr.id
	e.parentID = lr.parentID
	e.goid = ei.goid
	e.groupID = lr.groupID
	e.ctxID = lr.ctxID
	e.startNanos = lr.startNanos
	e.endNanos = max(ei.endNanos, lr.startNanos) // a clock resync may step back by nanoseconds
	e.outcome = ei.outcome
	e.flags = lr.flags
	e.nameLen = lr.nameLen
	e.name = lr.name
	// Like text and panicPCs, groupName and pcs are copied only as far as their
	// lengths: fewer cache lines of the ring are written (readers clamp to lengths).
	e.groupNameLen = lr.groupNameLen
	gn := min(lr.groupNameLen, nameMax)
	copy(e.groupName[:gn], lr.groupName[:gn])
	e.textLen = putString(e.text[:], ei.text)
	e.npcs = lr.npcs
	np := min(lr.npcs, stackMax)
	copy(e.pcs[:np], lr.pcs[:np])
	e.panicNpcs = putPCs(&e.panicPCs, ei.panicPCs)
	seqEnd(&e.seq, s)
}

// recordEnd writes the termination of the task whose live record is lr into the ring
// and, when presIdx >= 0, into its preserved slot. It allocates nothing.
func recordEnd(lr *taskRecord, presIdx int64, ei *endInfo) {
	ring := loadEndRing()
	w := atomic.AddUint64(&ring.writeIndex, 1) // index of this record, from 1
	recs := unsafe.Slice(ring.recs, ring.capacity)
	fillEnd(&recs[(w-1)%ring.capacity], w, lr, ei)
	if presIdx >= 0 {
		fillEnd(presSlot(presIdx), uint64(presIdx)+1, lr, ei)
	}
	touch(ei.endNanos)
}

// cancelInfo is what a cancel knows about itself.
type cancelInfo struct {
	ctxID       uint64
	parentCtxID uint64
	how         uint64
	goid        uint64
	taskID      uint64
	nanos       int64
	cause       string
	pcs         []uintptr
}

// recordCancel writes a cancellation record into the cancel ring. It allocates nothing.
func recordCancel(ci *cancelInfo) {
	ring := loadCancelRing()
	w := atomic.AddUint64(&ring.writeIndex, 1)
	recs := unsafe.Slice(ring.recs, ring.capacity)
	c := &recs[(w-1)%ring.capacity]
	s, ok := claimRecord(&c.seq, &c.index, w)
	if !ok {
		return
	}
	c.ctxID = ci.ctxID
	c.parentCtxID = ci.parentCtxID
	c.how = ci.how
	c.goid = ci.goid
	c.taskID = ci.taskID
	c.nanos = ci.nanos
	c.causeLen = putString(c.cause[:], ci.cause)
	c.npcs = putPCs(&c.pcs, ci.pcs)
	seqEnd(&c.seq, s)
	touch(ci.nanos)
}

// goroutine id -> task, so that a cancel can name the task it runs in (and the
// debugger hook can find a live task's context). A task is entered by its own
// goroutine once it runs and removed by it before it ends.

// goidHash maps a goroutine id to its first goidTab position. Goroutine ids are handed
// out in increasing order, so each run of 8 consecutive ids (tasks started one after
// another) shares one cache line of the table instead of touching 8 cold lines; the
// runs are spread over the table by a multiplicative hash.
func goidHash(goid uint64) uint64 {
	const runBits = 3  // 8 pointers: one cache line
	const tabBits = 13 // log2(goidTabLen)
	run := (goid >> runBits) * 0x9e3779b97f4a7c15 >> (64 - (tabBits - runBits))
	return run<<runBits | goid&(1<<runBits-1)
}

func goidShardOf(goid uint64) *goidShard {
	return &root.internal.goids[goid%goidShards]
}

// Values of task.goidPos besides an index of goidTab.
const (
	goidPosNone     = -1 // not entered (no goroutine id)
	goidPosOverflow = -2 // in the goids maps
)

// setGoroutineTask enters t (whose goid field is set) as the task of its goroutine.
// Called by t's goroutine only.
func setGoroutineTask(t *task) {
	goid := t.goid
	if goid == 0 {
		t.goidPos = goidPosNone
		return
	}
	in := &root.internal
	h := goidHash(goid)
	for i := uint64(0); i < goidProbe; i++ {
		pos := (h + i) & (goidTabLen - 1)
		e := &in.goidTab[pos]
		if e.Load() == nil && e.CompareAndSwap(nil, t) {
			t.goidPos = int32(pos)
			return
		}
	}
	t.goidPos = goidPosOverflow
	sh := goidShardOf(goid)
	sh.mu.Lock()
	sh.m[goid] = t
	sh.mu.Unlock()
	in.goidOverflow.Add(1)
}

// clearGoroutineTask removes t, entered by setGoroutineTask. Called by t's goroutine only.
func clearGoroutineTask(t *task) {
	switch pos := t.goidPos; {
	case pos >= 0:
		root.internal.goidTab[pos].Store(nil)
	case pos == goidPosOverflow:
		sh := goidShardOf(t.goid)
		sh.mu.Lock()
		delete(sh.m, t.goid)
		sh.mu.Unlock()
		root.internal.goidOverflow.Add(-1)
	}
	t.goidPos = goidPosNone
}

// goroutineTask returns the id of the task goroutine goid runs, 0 if none.
func goroutineTask(goid uint64) uint64 {
	if goid == 0 {
		return 0
	}
	in := &root.internal
	h := goidHash(goid)
	for i := uint64(0); i < goidProbe; i++ {
		if t := in.goidTab[(h+i)&(goidTabLen-1)].Load(); t != nil && t.goid == goid {
			return t.id
		}
	}
	if in.goidOverflow.Load() == 0 {
		return 0
	}
	sh := goidShardOf(goid)
	sh.mu.Lock()
	var id uint64
	if t := sh.m[goid]; t != nil {
		id = t.id
	}
	sh.mu.Unlock()
	return id
}
