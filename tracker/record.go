package tracker

import (
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

func init() {
	now := nowNanos()
	root.initNanos = now
	root.ended = newEndRing(defaultHistory)
	root.cancels = newCancelRing(defaultHistory)
	for i := range root.internal.goids {
		root.internal.goids[i].m = make(map[uint64]*task)
	}
	root.goidOffset = findGoidOffset()
	calibrateFP()
	touch(now)
}

func nowNanos() int64 { return time.Now().UnixNano() }

func spinYield() { runtime.Gosched() }

// touch advances the time of the latest write to now (it never goes back).
func touch(now int64) {
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

// allocLive takes a free live slot, growing the arena by one chunk when needed.
// ok is false when the arena is full.
func allocLive() (idx uint32, ok bool) {
	in := &root.internal
	in.liveMu.Lock()
	if n := len(in.free); n > 0 {
		idx = in.free[n-1]
		in.free = in.free[:n-1]
		in.liveMu.Unlock()
		return idx, true
	}
	used := atomic.LoadUint64(&root.live.used)
	nch := atomic.LoadUint64(&root.live.nchunks)
	if used == nch*liveChunkLen {
		if nch == liveChunksMax {
			in.liveMu.Unlock()
			atomic.AddUint64(&root.live.dropped, 1)
			return 0, false
		}
		c := new(liveChunk)
		atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&root.live.chunks[nch])), unsafe.Pointer(c))
		atomic.StoreUint64(&root.live.nchunks, nch+1)
	}
	atomic.StoreUint64(&root.live.used, used+1)
	in.liveMu.Unlock()
	return uint32(used), true
}

func freeLive(idx uint32) {
	in := &root.internal
	in.liveMu.Lock()
	in.free = append(in.free, idx)
	in.liveMu.Unlock()
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

// writeLive fills live record r for a starting task.
func writeLive(r *taskRecord, t *task, pcs []uintptr) {
	s := seqBegin(&r.seq)
	r.id = t.id
	r.parentID = t.parentID
	r.goid = 0
	r.groupID = t.groupID
	r.ctxID = t.ctxID
	r.startNanos = t.startNanos
	r.flags = t.flags
	r.nameLen = putString(r.name[:], t.name)
	r.groupNameLen = putString(r.groupName[:], t.groupName)
	r.npcs = putPCs(&r.pcs, pcs)
	seqEnd(&r.seq, s)
	touch(t.startNanos)
}

// setLiveGoid stores the goroutine id once the task's goroutine runs.
func setLiveGoid(r *taskRecord, goid uint64) {
	s := seqBegin(&r.seq)
	r.goid = goid
	seqEnd(&r.seq, s)
}

// clearLive marks the live record free.
func clearLive(r *taskRecord) {
	s := seqBegin(&r.seq)
	r.id = 0
	r.nameLen = 0
	r.groupNameLen = 0
	r.npcs = 0
	seqEnd(&r.seq, s)
}

// endInfo is what the task wrapper knows about an ending task.
type endInfo struct {
	outcome  uint64
	text     string
	panicPCs []uintptr
	endNanos int64
	goid     uint64
}

// fillEnd writes an end record from the live record lr (read by its only writer).
func fillEnd(e *endRecord, index uint64, lr *taskRecord, ei *endInfo) {
	s := seqBegin(&e.seq)
	if e.index > index {
		// A writer that claimed this slot a whole ring later got here first: the
		// older record is already evicted; do not overwrite the newer one.
		seqEnd(&e.seq, s)
		return
	}
	e.index = index
	e.id = lr.id
	e.parentID = lr.parentID
	e.goid = ei.goid
	e.groupID = lr.groupID
	e.ctxID = lr.ctxID
	e.startNanos = lr.startNanos
	e.endNanos = ei.endNanos
	e.outcome = ei.outcome
	e.flags = lr.flags
	e.nameLen = lr.nameLen
	e.name = lr.name
	e.groupNameLen = lr.groupNameLen
	e.groupName = lr.groupName
	e.textLen = putString(e.text[:], ei.text)
	e.npcs = lr.npcs
	e.pcs = lr.pcs
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
	s := seqBegin(&c.seq)
	if c.index > w { // overtaken by a writer a whole ring later: keep the newer record
		seqEnd(&c.seq, s)
		return
	}
	c.index = w
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
// debugger hook can find a live task's context).
func goidShardOf(goid uint64) *goidShard {
	return &root.internal.goids[goid%goidShards]
}

func setGoroutineTask(goid uint64, t *task) {
	if goid == 0 {
		return
	}
	sh := goidShardOf(goid)
	sh.mu.Lock()
	sh.m[goid] = t
	sh.mu.Unlock()
}

func clearGoroutineTask(goid uint64) {
	if goid == 0 {
		return
	}
	sh := goidShardOf(goid)
	sh.mu.Lock()
	delete(sh.m, goid)
	sh.mu.Unlock()
}

func goroutineTask(goid uint64) uint64 {
	if goid == 0 {
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
