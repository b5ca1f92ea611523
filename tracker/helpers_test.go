package tracker

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// The helpers below read the tracker the way LAYOUT.md tells an external reader to,
// from inside the process. Records are copied through /proc/self/mem, as a debugger
// reads them: a seqlock reader racing a writer is a data race for the race detector
// when it copies in Go, and tasks of earlier tests may still be ending while a test
// reads. Where /proc/self/mem cannot be opened, records are copied directly (then the
// helpers are only safe once every writer has finished).

var selfMem, _ = os.Open("/proc/self/mem")

// snapshot copies the record at p (which begins with its seq word) into out under the
// seqlock rule: seq read before and after the copy, equal, even and non-zero.
func snapshot[T any](p *T, out *T) bool {
	size := unsafe.Sizeof(*p)
	if selfMem == nil {
		s := atomic.LoadUint64((*uint64)(unsafe.Pointer(p)))
		*out = *p
		return s != 0 && s&1 == 0
	}
	ok, err := readSeqlocked(selfMem, int64(uintptr(unsafe.Pointer(p))), unsafe.Slice((*byte)(unsafe.Pointer(out)), size))
	if err != nil {
		panic(err)
	}
	return ok
}

// readSeqlocked reads len(buf) bytes at address at through mem (/proc/self/mem) as
// LAYOUT.md tells a reader to: seq, the record, seq again, as separate reads (a bulk copy
// may load its bytes in any order, so seq inside it proves nothing). ok reports whether
// the seqlock rule accepts the copy: both seq reads equal, even and non-zero.
func readSeqlocked(mem *os.File, at int64, buf []byte) (ok bool, err error) {
	var seq [2][8]byte
	if _, err := mem.ReadAt(seq[0][:], at); err != nil {
		return false, fmt.Errorf("read seq at %#x: %w", at, err)
	}
	if _, err := mem.ReadAt(buf, at); err != nil {
		return false, fmt.Errorf("read record at %#x: %w", at, err)
	}
	if _, err := mem.ReadAt(seq[1][:], at); err != nil {
		return false, fmt.Errorf("read seq at %#x: %w", at, err)
	}
	s1, s2 := binary.LittleEndian.Uint64(seq[0][:]), binary.LittleEndian.Uint64(seq[1][:])
	return s1 == s2 && s1 != 0 && s1&1 == 0, nil
}

func liveTasks() []taskRecord {
	var out []taskRecord
	n := atomic.LoadUint64(&root.live.nchunks)
	for c := uint64(0); c < n; c++ {
		ch := (*liveChunk)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&root.live.chunks[c]))))
		for i := range ch.recs {
			var r taskRecord
			if snapshot(&ch.recs[i], &r) && r.id != 0 {
				out = append(out, r)
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
		var e endRecord
		if snapshot(&recs[(i-1)%r.capacity], &e) && e.index == i {
			out = append(out, e)
		}
	}
	return out
}

func preservedRecs() []endRecord {
	var out []endRecord
	k := atomic.LoadUint64(&root.preserved.reserved)
	for i := uint64(0); i < k; i++ {
		var e endRecord
		if snapshot(presSlot(int64(i)), &e) && e.index == i+1 {
			out = append(out, e)
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
		var c cancelRecord
		if snapshot(&recs[(i-1)%r.capacity], &c) && c.index == i {
			out = append(out, c)
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
// waitNoLiveTasks waits until every task started so far (by earlier tests too) has
// ended, so that a test reading the rings sees only its own writes.
func waitNoLiveTasks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for atomic.LoadUint64(&root.live.count) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks still live", atomic.LoadUint64(&root.live.count))
		}
		time.Sleep(time.Millisecond)
	}
}

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
// cancellerFuncs symbolizes a cancel record's stack as dlv-tasks shows it: without the
// leading CancelFunc plumbing (methods of trackedCtx and their -fm wrappers; LAYOUT.md).
func cancellerFuncs(c *cancelRecord) []string {
	funcs := symbolize(c.pcs[:c.npcs])
	for i, f := range funcs {
		if !strings.Contains(f, "tracker.(*trackedCtx).") {
			return funcs[i:]
		}
	}
	return funcs
}

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
