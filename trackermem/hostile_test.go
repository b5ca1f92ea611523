package trackermem

import (
	"context"
	"strings"
	"testing"
	"time"
)

// bigImage is a fixture image followed by zeroed memory up to size bytes,
// as a Go heap reservation reads (all zeros).
func bigImage(t *testing.T, fx fixture, size int) (*image, Layout) {
	t.Helper()
	l := V1Layout()
	m := fx.build(&l)
	if len(m.b) < size {
		m.b = append(m.b, make([]byte, size-len(m.b))...)
	}
	return m, l
}

// TestDuplicateChunksReadOnce: every live chunk-directory entry naming the
// same chunk, and used claiming every slot: the chunk is read once, the
// other entries are counted as duplicate chunks, and the walk is quick.
func TestDuplicateChunksReadOnce(t *testing.T) {
	fx := richFixture()
	m, l := bigImage(t, fx, offLive+int(LiveChunkLen*l0().TaskRecord.Size)+1<<20)
	live := m.b[l.Root.Fields["live"].Off:]
	la := l.LiveArena.Fields
	put(live, la["nchunks"], LiveChunksMax)
	put(live, la["used"], LiveChunksMax*LiveChunkLen)
	for i := uint64(0); i < LiveChunksMax; i++ {
		put(live[la["chunks"].Off+8*i:], Field{Size: 8}, fixtureBase+offLive)
	}
	start := time.Now()
	res, err := Read(context.Background(), m, fixtureBase, l, Options{Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("read took %v", el)
	}
	tr := res.Tracker
	if got := tr.Skipped[ReasonDuplicate]; got != (LiveChunksMax-1)*LiveChunkLen {
		t.Errorf("duplicate-chunk records %d, want %d (skipped %v)", got, (LiveChunksMax-1)*LiveChunkLen, tr.Skipped)
	}
	if len(tr.Live) != 2 || res.Bytes > 1<<20 {
		t.Errorf("live %d, bytes %d", len(tr.Live), res.Bytes)
	}
	if !hasProblem(tr.Problems, "repeat or overlap") {
		t.Errorf("problems %q", tr.Problems)
	}
}

// TestOverlappingChunks: a chunk that starts inside another one is
// corrupt, and so is a repeated entry.
func TestOverlappingChunks(t *testing.T) {
	bad := overlapping([]uint64{0x10000, 0x10000 + 100, 0, 0x90000, 0x10000, 0x50000}, 0x40000)
	want := []bool{false, true, false, false, true, false}
	for i := range want {
		if bad[i] != want[i] {
			t.Fatalf("overlapping = %v, want %v", bad, want)
		}
	}
}

// TestHugeRingClaimIsCut: a terminated ring that claims 10,000,000 records
// over memory that holds a few (the rest zeros): the walk stops after two
// pages never written, reports it, and the preserved record and the
// cancellations are still read.
func TestHugeRingClaimIsCut(t *testing.T) {
	fx := richFixture()
	m, l := bigImage(t, fx, 64<<20)
	put(m.b[offEndRing:], l.Ring.Fields["capacity"], MaxCapacity)
	put(m.b[offEndRing:], l.Ring.Fields["writeIndex"], MaxCapacity)
	start := time.Now()
	res, err := Read(context.Background(), m, fixtureBase, l, Options{Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("read took %v", el)
	}
	tr := res.Tracker
	if res.Bytes > 1<<20 {
		t.Errorf("read %d bytes", res.Bytes)
	}
	if tr.Skipped[ReasonCorrupt] < MaxCapacity-1000 || !hasProblem(tr.Problems, "never written") {
		t.Errorf("skipped %v, problems %q", tr.Skipped, tr.Problems)
	}
	preserved := 0
	for _, e := range tr.Terminated {
		if e.Preserved && e.Task.ID == 3 {
			preserved++
		}
	}
	if preserved != 1 || len(tr.Cancellations) != 2 {
		t.Errorf("preserved record 3 %d times, %d cancellations", preserved, len(tr.Cancellations))
	}
}

// TestNeverWrittenLiveSlots: used claims a million slots over zeroed
// chunks: the walk stops after two blank pages and counts the rest.
func TestNeverWrittenLiveSlots(t *testing.T) {
	fx := richFixture()
	chunk := LiveChunkLen * l0().TaskRecord.Size
	m, l := bigImage(t, fx, offLive+int(8*chunk))
	live := m.b[l.Root.Fields["live"].Off:]
	la := l.LiveArena.Fields
	put(live, la["nchunks"], 8)
	put(live, la["used"], 8*LiveChunkLen)
	for i := uint64(0); i < 8; i++ {
		put(live[la["chunks"].Off+8*i:], Field{Size: 8}, fixtureBase+offLive+i*chunk)
	}
	res, err := Read(context.Background(), m, fixtureBase, l, Options{Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Tracker
	if len(tr.Live) != 2 || tr.Skipped[ReasonCorrupt] < 7*LiveChunkLen || res.Bytes > int64(2*chunk) {
		t.Errorf("live %d, skipped %v, bytes %d, problems %q", len(tr.Live), tr.Skipped, res.Bytes, tr.Problems)
	}
}

// slowMemory delays every read, as a slow debugger link does.
type slowMemory struct {
	*image
	delay time.Duration
}

func (m slowMemory) ReadMemory(p []byte, addr uint64) error {
	time.Sleep(m.delay)
	return m.image.ReadMemory(p, addr)
}

// TestTimeBudget: a read slower than its time budget stops, says it is
// partial, counts what it did not read, and still reads each later part
// in the share kept for it.
func TestTimeBudget(t *testing.T) {
	fx := richFixture()
	chunk := LiveChunkLen * l0().TaskRecord.Size
	m, l := bigImage(t, fx, offLive+int(64*chunk))
	live := m.b[l.Root.Fields["live"].Off:]
	la := l.LiveArena.Fields
	// 64 distinct chunks of live records, each slot a valid task.
	put(live, la["nchunks"], 64)
	put(live, la["used"], 64*LiveChunkLen)
	put(m.b, l.Root.Fields["lastTaskID"], 1<<20)
	for c := uint64(0); c < 64; c++ {
		put(live[la["chunks"].Off+8*c:], Field{Size: 8}, fixtureBase+offLive+c*chunk)
		for s := uint64(0); s < LiveChunkLen; s++ {
			encodeTask(&l, m.b[offLive+c*chunk+s*l.TaskRecord.Size:], taskSpec{seq: 2, id: 1000 + c*LiveChunkLen + s, start: t0, name: "x"})
		}
	}
	start := time.Now()
	res, err := Read(context.Background(), slowMemory{m, 20 * time.Millisecond}, fixtureBase, l, Options{Stopped: true, MaxTime: 800 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	tr := res.Tracker
	if !tr.Partial || tr.Skipped[ReasonBudget] == 0 || !hasProblem(tr.Problems, "time budget") {
		t.Errorf("partial %v, skipped %v, problems %q", tr.Partial, tr.Skipped, tr.Problems)
	}
	if el > 2*time.Second {
		t.Errorf("read took %v with a budget of 800ms", el)
	}
	if len(tr.Live) == 0 || len(tr.Live) >= 64*LiveChunkLen {
		t.Errorf("%d live tasks read", len(tr.Live))
	}
}

// TestEndBeforeStartIsCorrupt: the writer clamps start <= end, so an end
// record that ended before it started is corrupt, not a task of 0s.
func TestEndBeforeStartIsCorrupt(t *testing.T) {
	l := V1Layout()
	d, err := NewDecoder(l, lim)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, l.EndRecord.Size)
	e := validEnd()
	e.end = e.start - int64(time.Hour)
	encodeEnd(&l, b, e)
	if _, st := d.DecodeEnd(e.seq, b, e.seq); st != Corrupt {
		t.Errorf("status %v, want corrupt", st)
	}
	e = validEnd()
	e.end = e.start
	encodeEnd(&l, b, e)
	if r, st := d.DecodeEnd(e.seq, b, e.seq); st != Valid || r.Termination.Duration != 0 {
		t.Errorf("zero-length task: %v %v", st, r.Termination.Duration)
	}
}

func l0() Layout { return V1Layout() }

func hasProblem(ps []string, sub string) bool {
	for _, p := range ps {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}

// TestIntactTrackerSkipsNothing: an intact tracker's read has no skip
// entries at all (not even zero counts).
func TestIntactTrackerSkipsNothing(t *testing.T) {
	fx := fixture{recent: t0 + 10, lastTask: 40, lastCtx: 10, endCap: 4, endWrite: 1, cancelCap: 2, cancelWrite: 1,
		ends:    map[uint64]endSpec{0: endAtIndex(1, 22, 1, t0+1)},
		cancels: map[uint64]cancelSpec{0: {seq: 2, index: 1, ctx: 5, how: 1, goid: 1, nanos: t0 + 1, cause: "stop"}}}
	fx.live = []taskSpec{{seq: 2, id: 30, start: t0, name: "running"}}
	l := V1Layout()
	res, err := Read(context.Background(), fx.build(&l), fixtureBase, l, Options{Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tracker.Skipped) != 0 || len(res.Tracker.Problems) != 0 || res.Tracker.Partial {
		t.Errorf("skipped %v, problems %q, partial %v", res.Tracker.Skipped, res.Tracker.Problems, res.Tracker.Partial)
	}
}
