package tracker

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// The helpers below read the tracker the way LAYOUT.md tells an external reader to,
// from inside the process. They are used after the writers of interest have finished
// (the seqlock makes concurrent in-process reads a data race for the race detector;
// torn-read behaviour is tested separately through /proc/self/mem).

func stable(seq *uint64) bool {
	s := atomic.LoadUint64(seq)
	return s != 0 && s&1 == 0
}

func liveTasks() []taskRecord {
	var out []taskRecord
	n := atomic.LoadUint64(&root.live.nchunks)
	for c := uint64(0); c < n; c++ {
		ch := (*liveChunk)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&root.live.chunks[c]))))
		for i := range ch.recs {
			r := &ch.recs[i]
			if stable(&r.seq) && atomic.LoadUint64(&r.id) != 0 {
				out = append(out, *r)
			}
		}
	}
	return out
}

func liveByID(id uint64) (taskRecord, bool) {
	for _, r := range liveTasks() {
		if r.id == id {
			return r, true
		}
	}
	return taskRecord{}, false
}

// endedNewestFirst walks the terminated ring as LAYOUT.md describes.
func endedNewestFirst() []endRecord {
	r := loadEndRing()
	recs := unsafe.Slice(r.recs, r.capacity)
	w := atomic.LoadUint64(&r.writeIndex)
	var out []endRecord
	for i := w; i >= 1 && i+r.capacity > w; i-- {
		e := &recs[(i-1)%r.capacity]
		if stable(&e.seq) && atomic.LoadUint64(&e.index) == i {
			out = append(out, *e)
		}
	}
	return out
}

func preservedRecs() []endRecord {
	var out []endRecord
	k := atomic.LoadUint64(&root.preserved.reserved)
	for i := uint64(0); i < k; i++ {
		e := presSlot(int64(i))
		if stable(&e.seq) && atomic.LoadUint64(&e.index) == i+1 {
			out = append(out, *e)
		}
	}
	return out
}

func cancelsNewestFirst() []cancelRecord {
	r := loadCancelRing()
	recs := unsafe.Slice(r.recs, r.capacity)
	w := atomic.LoadUint64(&r.writeIndex)
	var out []cancelRecord
	for i := w; i >= 1 && i+r.capacity > w; i-- {
		c := &recs[(i-1)%r.capacity]
		if stable(&c.seq) && atomic.LoadUint64(&c.index) == i {
			out = append(out, *c)
		}
	}
	return out
}

func cancelOf(ctxID uint64) (cancelRecord, bool) {
	for _, c := range cancelsNewestFirst() {
		if c.ctxID == ctxID {
			return c, true
		}
	}
	return cancelRecord{}, false
}

// waitEnded polls for the termination record of task id.
func waitEnded(t *testing.T, id uint64) endRecord {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range endedNewestFirst() {
			if e.id == id {
				return e
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no termination record for task %d", id)
	return endRecord{}
}

// waitCancel polls for the cancel record of context id.
func waitCancel(t *testing.T, ctxID uint64) cancelRecord {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, ok := cancelOf(ctxID); ok {
			return c
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no cancel record for context %d", ctxID)
	return cancelRecord{}
}

func (r *taskRecord) nameStr() string { return string(r.name[:min(r.nameLen, nameMax)]) }
func (e *endRecord) nameStr() string  { return string(e.name[:min(e.nameLen, nameMax)]) }
func (e *endRecord) textStr() string  { return string(e.text[:min(e.textLen, textMax)]) }
func (c *cancelRecord) causeStr() string {
	return string(c.cause[:min(c.causeLen, textMax)])
}

// symbolize turns recorded PCs into function names, as a debugger would.
func symbolize(pcs []uint64) []string {
	up := make([]uintptr, len(pcs))
	for i, pc := range pcs {
		up[i] = uintptr(pc)
	}
	var out []string
	frames := runtime.CallersFrames(up)
	for {
		f, more := frames.Next()
		out = append(out, f.Function)
		if !more {
			break
		}
	}
	return out
}

func containsFunc(funcs []string, suffix string) bool {
	for _, f := range funcs {
		if strings.HasSuffix(f, suffix) {
			return true
		}
	}
	return false
}

func runtimeGoexit() { runtime.Goexit() }
