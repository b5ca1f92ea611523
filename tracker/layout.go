package tracker

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Layout constants. They are also stored in root so that an external reader can
// check them against the array sizes it learns from DWARF. See LAYOUT.md.
const (
	magicValue     = 0x6b7361742d766c64 // the bytes "dlv-task" read as a little-endian uint64
	ringMagicValue = 0x676e69722d766c64 // "dlv-ring"
	layoutVersion  = 1

	nameMax  = 64  // bytes kept of a task or group name
	textMax  = 256 // bytes kept of an error, panic value or cancel cause
	stackMax = 32  // PCs kept of a creation, panic or canceller stack

	liveChunkLen  = 256  // live task records per chunk
	liveChunksMax = 4096 // chunks in the live directory: at most 1,048,576 live tracked tasks
	presChunkLen  = 64   // preserved records per chunk
	presChunksMax = 1024 // at most 65,536 preserved tasks

	defaultHistory = 1000
)

// Outcome codes of an endRecord.
const (
	outcomeReturned  = 1 // fn returned nil
	outcomeError     = 2 // fn returned an error; text holds its message
	outcomeCancelled = 3 // fn returned an error that errors.Is ctx.Err() after ctx was cancelled
	outcomePanic     = 4 // fn panicked; text holds the value, panicPCs the panicking stack
	outcomeGoexit    = 5 // runtime.Goexit was called inside fn
)

// How codes of a cancelRecord.
const (
	howExplicit = 1 // the CancelFunc (or a group's cancel) was called
	howParent   = 2 // the parent context was cancelled
	howDeadline = 3 // the context's own deadline passed
)

// Flags of task and end records.
const (
	flagPreserved = 1 // started with Preserve()
	flagInGroup   = 2 // started by Group.Go or PersistentGroup.Go
)

// taskRecord describes one live task. Slot reused after the task ends (id = 0 while free).
type taskRecord struct {
	seq          uint64 // seqlock: odd while being written
	id           uint64 // task id, 0 if the slot is free
	parentID     uint64 // task id of the creator task (from the context), 0 if none
	goid         uint64 // goroutine id running the task, 0 until it starts or if unknown
	groupID      uint64 // group id, 0 if not started by a group
	ctxID        uint64 // id of the nearest tracker context the task was started from, 0 if none
	startNanos   int64  // unix nanoseconds when Go was called
	flags        uint64 // flagPreserved | flagInGroup
	nameLen      uint64 // valid bytes in name
	groupNameLen uint64 // valid bytes in groupName
	npcs         uint64 // valid entries in pcs
	name         [nameMax]byte
	groupName    [nameMax]byte
	pcs          [stackMax]uint64 // creation stack, return PCs, innermost first (runtime.Callers)
}

// liveChunk is one fixed-size block of live task slots.
type liveChunk struct {
	recs [liveChunkLen]taskRecord
}

// liveArena holds live tasks: slot i is chunks[i/liveChunkLen].recs[i%liveChunkLen].
type liveArena struct {
	nchunks uint64 // chunks[0:nchunks] are non-nil (atomic)
	used    uint64 // slots ever handed out: slots >= used are never written (atomic)
	count   uint64 // live tracked tasks (atomic)
	dropped uint64 // tasks run untracked because every slot was taken (atomic)
	chunks  [liveChunksMax]*liveChunk
}

// endRecord describes one terminated task.
type endRecord struct {
	seq          uint64 // seqlock: odd while being written
	index        uint64 // ring: the record's write index w (1, 2, 3, ...); preserved: slot + 1
	id           uint64
	parentID     uint64
	goid         uint64
	groupID      uint64
	ctxID        uint64
	startNanos   int64
	endNanos     int64
	outcome      uint64 // outcomeReturned ...
	flags        uint64
	nameLen      uint64
	groupNameLen uint64
	textLen      uint64
	npcs         uint64
	panicNpcs    uint64
	name         [nameMax]byte
	groupName    [nameMax]byte
	text         [textMax]byte
	pcs          [stackMax]uint64 // creation stack
	panicPCs     [stackMax]uint64 // stack of the deferred recorder at panic time (starts in the runtime's panic path)
}

// endRing is the terminated-task ring. Record for write index w (1, 2, 3, ...) lives at
// recs[(w-1)%capacity] and is valid only while its index == w (LAYOUT.md).
type endRing struct {
	magic      uint64 // ringMagicValue
	capacity   uint64 // number of records at recs
	writeIndex uint64 // records ever claimed (atomic); the newest has index == writeIndex
	recs       *endRecord
}

// presChunk is one fixed-size block of preserved termination records.
type presChunk struct {
	recs [presChunkLen]endRecord
}

// presArena holds records of tasks started with Preserve(): never evicted.
type presArena struct {
	nchunks  uint64 // chunks[0:nchunks] are non-nil (atomic)
	reserved uint64 // slots reserved by started preserved tasks (atomic)
	dropped  uint64 // preserved tasks beyond capacity, recorded in the ring only (atomic)
	chunks   [presChunksMax]*presChunk
}

// cancelRecord describes one cancellation of a tracker context.
type cancelRecord struct {
	seq         uint64 // seqlock: odd while being written
	index       uint64 // the record's write index w (1, 2, 3, ...)
	ctxID       uint64 // the cancelled context
	parentCtxID uint64 // nearest tracker context above it, 0 if none
	how         uint64 // howExplicit, howParent, howDeadline
	goid        uint64 // goroutine that called cancel (0 for parent/deadline)
	taskID      uint64 // task that goroutine was running, 0 if none
	nanos       int64  // unix nanoseconds of the cancel
	causeLen    uint64
	npcs        uint64
	cause       [textMax]byte
	pcs         [stackMax]uint64 // canceller stack, innermost first, starting at the caller of cancel
}

// cancelRing is the cancellation ring. Record for write index w (1, 2, 3, ...) lives at
// recs[(w-1)%capacity] and is valid only while its index == w (LAYOUT.md).
type cancelRing struct {
	magic      uint64
	capacity   uint64
	writeIndex uint64
	recs       *cancelRecord
}

// rootT is the one structure an external reader starts from.
type rootT struct {
	magic         uint64 // magicValue
	version       uint64 // layoutVersion
	recentNanos   int64  // unix nanoseconds of the latest write (atomic)
	initNanos     int64  // unix nanoseconds of package initialisation
	nameMax       uint64
	textMax       uint64
	stackMax      uint64
	liveChunkLen  uint64
	liveChunksMax uint64
	presChunkLen  uint64
	presChunksMax uint64
	lastTaskID    uint64      // last task id issued (atomic)
	lastCtxID     uint64      // last context id issued (atomic)
	lastGroupID   uint64      // last group id issued (atomic)
	goidOffset    int64       // offset of goid in runtime.g used by the fast path, -1 if unavailable
	ended         *endRing    // replaced by SetHistory (atomic pointer)
	cancels       *cancelRing // replaced by SetHistory (atomic pointer)
	live          liveArena
	preserved     presArena
	internal      internalState // writer-side bookkeeping; not part of the reader contract
}

// internalState is writer bookkeeping kept inside root (the package's only mutable state).
type internalState struct {
	// freeHead is a lock-free (Treiber) stack of free live slots: the low freeIdxBits
	// bits hold slot+1 of the top entry (0: empty), the bits above a tag bumped by every
	// push and pop so that a stale compare-and-swap fails (no ABA).
	freeHead atomic.Uint64
	// freeNext[c][i] links free slot c*liveChunkLen+i to the next one (slot+1, 0: end).
	// A chunk of links is allocated with its live chunk and never freed.
	freeNext [liveChunksMax]*[liveChunkLen]atomic.Uint32
	growMu   sync.Mutex // serialises growing the live arena
	presMu   sync.Mutex
	// goidTab maps goroutine id -> running task without locks: a task is stored in one
	// of the goidProbe entries following goidHash(goid), and found again by comparing
	// task.goid. When those entries are all taken it goes to the locked goids maps.
	goidTab      [goidTabLen]atomic.Pointer[task]
	goidOverflow atomic.Int64          // tasks in the goids maps
	goids        [goidShards]goidShard // goroutine id -> running task, overflow of goidTab
	clock        clockState            // nowNanos' state (clock.go)
	// fpWrapperFrames is the number of frames between getfp's view and fpCallers' caller
	// (0 or 1: whether an ABI wrapper sits in between); -1 disables frame-pointer
	// unwinding. Set once in init, before any task can start.
	fpWrapperFrames int
}

const (
	freeIdxBits = 21 // enough for slot+1 <= liveChunkLen*liveChunksMax
	freeIdxMask = 1<<freeIdxBits - 1

	goidTabLen = 8192 // power of two
	goidProbe  = 8    // entries of goidTab a goroutine id may occupy
	goidShards = 32
)

type goidShard struct {
	mu sync.Mutex
	m  map[uint64]*task
	_  [40]byte // keep shards on separate cache lines
}

var root = rootT{
	magic:         magicValue,
	version:       layoutVersion,
	nameMax:       nameMax,
	textMax:       textMax,
	stackMax:      stackMax,
	liveChunkLen:  liveChunkLen,
	liveChunksMax: liveChunksMax,
	presChunkLen:  presChunkLen,
	presChunksMax: presChunksMax,
	goidOffset:    -1,
	internal:      internalState{fpWrapperFrames: -1},
}

// seqBegin makes the record's seq odd, waiting for any other writer of the record.
// It returns the odd value to pass to seqEnd.
func seqBegin(seq *uint64) uint64 {
	for {
		s := atomic.LoadUint64(seq)
		if s&1 == 0 && atomic.CompareAndSwapUint64(seq, s, s+1) {
			return s + 1
		}
		spinYield()
	}
}

// seqEnd makes the record's seq even again: the record is stable.
func seqEnd(seq *uint64, odd uint64) {
	atomic.StoreUint64(seq, odd+1)
}

func loadEndRing() *endRing {
	return (*endRing)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&root.ended))))
}

func loadCancelRing() *cancelRing {
	return (*cancelRing)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&root.cancels))))
}

func newEndRing(n int) *endRing {
	recs := make([]endRecord, n)
	return &endRing{magic: ringMagicValue, capacity: uint64(n), recs: &recs[0]}
}

func newCancelRing(n int) *cancelRing {
	recs := make([]cancelRecord, n)
	return &cancelRing{magic: ringMagicValue, capacity: uint64(n), recs: &recs[0]}
}

// SetHistory sets the number of terminated-task records (and cancellation records)
// kept in the rings; n < 1 means 1. Records already in the rings are discarded, so call
// it once at start-up. Preserved records are not affected.
func SetHistory(n int) {
	if n < 1 {
		n = 1
	}
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&root.ended)), unsafe.Pointer(newEndRing(n)))
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&root.cancels)), unsafe.Pointer(newCancelRing(n)))
	touch(nowNanos())
}
