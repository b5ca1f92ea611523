package tracker

import (
	"encoding/binary"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// TestSeqlockNoTornReads reads the terminated ring the way a debugger does — raw bytes
// through /proc/self/mem, outside the Go memory model — while writers rewrite the same
// few records, and checks that every record accepted by the seqlock rule is internally
// consistent (all fields are derived from one value written together).
func TestSeqlockNoTornReads(t *testing.T) {
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Skipf("cannot open /proc/self/mem: %v", err)
	}
	defer mem.Close()
	waitNoLiveTasks(t) // a task of an earlier test ending now would write a (consistent) record unlike ours
	const ringLen = 16
	SetHistory(ringLen)
	ring := loadEndRing()
	base := int64(uintptr(unsafe.Pointer(ring.recs)))
	recSize := int(unsafe.Sizeof(endRecord{}))

	var stop atomic.Bool
	var wg sync.WaitGroup
	defer func() { // also on t.Fatal: writers must not outlive the test
		stop.Store(true)
		wg.Wait()
		SetHistory(defaultHistory)
	}()
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lr taskRecord
			pcs := make([]uintptr, stackMax)
			texts := make([]string, 256)
			for i := range texts {
				texts[i] = strings.Repeat(string(rune('a'+i%26)), 1+i)
			}
			for v := uint64(w + 1); !stop.Load(); v += 2 {
				lr.id, lr.parentID, lr.groupID, lr.ctxID = v, v, v, v
				lr.startNanos = int64(v)
				lr.nameLen = v % nameMax
				for i := range lr.name {
					lr.name[i] = byte(v)
				}
				lr.npcs = stackMax
				for i := range lr.pcs {
					lr.pcs[i] = v
					pcs[i] = uintptr(v)
				}
				recordEnd(&lr, -1, &endInfo{outcome: v, text: texts[v%256], endNanos: int64(v), goid: v, panicPCs: pcs})
				if v%64 == 0 {
					runtime.Gosched() // with GOMAXPROCS=1, let the reader run between writes too
				}
			}
		}()
	}

	buf := make([]byte, ringLen*recSize)
	accepted, skipped, tornIfUnchecked := 0, 0, 0
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && (accepted < 5000 || time.Now().Before(deadline.Add(-2*time.Second))) {
		for i := 0; i < ringLen; i++ {
			rec := buf[i*recSize : (i+1)*recSize]
			ok, err := readSeqlocked(mem, base+int64(i*recSize), rec)
			if err != nil {
				t.Fatal(err)
			}
			bad := inconsistent(rec)
			if !ok {
				skipped++
				if bad != "" {
					tornIfUnchecked++
				}
				continue
			}
			accepted++
			if bad != "" {
				t.Fatalf("seqlock accepted a torn record (seq %d): %s", binary.LittleEndian.Uint64(rec), bad)
			}
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d records accepted", accepted)
	}
	t.Logf("accepted %d, skipped %d (of which %d were visibly torn)", accepted, skipped, tornIfUnchecked)
}

// inconsistent describes why raw endRecord bytes are not one coherent write, or "".
func inconsistent(rec []byte) string {
	u := func(off int) uint64 { return binary.LittleEndian.Uint64(rec[off : off+8]) }
	v := u(16) // id
	if v == 0 {
		return "zero id"
	}
	for _, off := range []int{24, 32, 40, 48, 56, 64, 72} { // parentID goid groupID ctxID start end outcome
		if u(off) != v {
			return "field mismatch"
		}
	}
	if u(88) != v%nameMax {
		return "nameLen mismatch"
	}
	for i := 128; i < 192; i++ {
		if rec[i] != byte(v) {
			return "name mismatch"
		}
	}
	tl := u(104)
	if tl != v%256+1 {
		return "textLen mismatch"
	}
	for i := 256; i < 256+int(tl); i++ {
		if rec[i] != byte('a'+(v%256)%26) {
			return "text mismatch"
		}
	}
	for off := 512; off < 1024; off += 8 {
		if u(off) != v {
			return "pcs mismatch"
		}
	}
	return ""
}

// TestLiveRecordNoTornReads is TestSeqlockNoTornReads for live records, whose life also
// has two single-store updates outside the seqlock (setLiveGoid, clearLive): writers
// cycle their own records through start, goroutine id and end, as tasks reusing a
// slot do, while the test reads them through /proc/self/mem. Every record the seqlock
// rule accepts must be free (id 0) or one task's whole record, with goid 0 or its own.
func TestLiveRecordNoTornReads(t *testing.T) {
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Skipf("cannot open /proc/self/mem: %v", err)
	}
	defer mem.Close()
	const perWriter, writers = 4, 2
	recs := make([]taskRecord, perWriter*writers)
	base := int64(uintptr(unsafe.Pointer(&recs[0])))
	recSize := int(unsafe.Sizeof(taskRecord{}))

	var stop atomic.Bool
	var wg sync.WaitGroup
	defer func() {
		stop.Store(true)
		wg.Wait()
		runtime.KeepAlive(recs)
	}()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names := make([]string, nameMax)
			for i := range names {
				names[i] = strings.Repeat("x", i)
			}
			for v := uint64(w + 1); !stop.Load(); v += writers {
				r := &recs[w*perWriter+int(v/writers)%perWriter]
				li := liveInfo{id: v, parentID: v, groupID: v, ctxID: v, startNanos: int64(v), name: names[v%nameMax]}
				writeLive(r, &li, 0)
				setLiveGoid(r, v)
				if v%8 < writers {
					runtime.Gosched() // the task runs for a while
				}
				clearLive(r)
			}
		}()
	}

	buf := make([]byte, recSize)
	live, free, skipped := 0, 0, 0
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		for i := range recs {
			ok, err := readSeqlocked(mem, base+int64(i*recSize), buf)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				skipped++
				continue
			}
			u := func(off int) uint64 { return binary.LittleEndian.Uint64(buf[off : off+8]) }
			id := u(8)
			if id == 0 {
				free++
				continue
			}
			live++
			for _, off := range []int{16, 32, 40, 48} { // parentID groupID ctxID startNanos
				if u(off) != id {
					t.Fatalf("accepted a torn live record: id %d, field at %d = %d", id, off, u(off))
				}
			}
			if g := u(24); g != 0 && g != id {
				t.Fatalf("accepted a torn live record: id %d, goid %d", id, g)
			}
			if n := u(64); n != id%nameMax || strings.Count(string(buf[88:88+n]), "x") != int(n) {
				t.Fatalf("accepted a torn live record: id %d, name %q", id, buf[88:88+n])
			}
		}
	}
	if live < 1000 || free < 100 {
		t.Fatalf("too few records seen: %d live, %d free (%d skipped)", live, free, skipped)
	}
	t.Logf("accepted %d live and %d free records, skipped %d", live, free, skipped)
}
