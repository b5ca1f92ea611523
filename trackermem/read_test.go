package trackermem

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func endAtIndex(index, id uint64, outcome uint64, end int64) endSpec {
	return endSpec{taskSpec: taskSpec{seq: 2, id: id, start: t0, name: "t" + string(rune('a'+id))},
		index: index, end: end, outcome: outcome}
}

// richFixture has every case: live tasks with a free slot, a mid-write slot
// and a duplicate; a wrapped ring with a claimed-but-unwritten slot and a
// corrupt one; preserved records in and out of the ring; cancellations.
func richFixture() fixture {
	fx := fixture{recent: t0 + 100, init: t0 - 100, lastTask: 40, lastCtx: 20, lastGroup: 2,
		liveDropped: 3, presDropped: 1, endCap: 4, endWrite: 10, cancelCap: 3, cancelWrite: 2,
		ends: map[uint64]endSpec{}, cancels: map[uint64]cancelSpec{}}
	fx.live = []taskSpec{
		{seq: 2, id: 30, start: t0, name: "live-a", pcs: []uint64{0x1000}},
		{seq: 4, id: 0}, // free slot
		{seq: 7, id: 31, start: t0, name: "torn"}, // mid-write
		{seq: 2, id: 32, parent: 30, start: t0, name: "live-b", goid: 9, pcs: []uint64{0x1000, 0x2000}},
		{seq: 2, id: 30, start: t0, name: "duplicate"},        // duplicate id
		{seq: 2, id: 33, start: t0, name: "bad", flags: 0x80}, // corrupt
	}
	// Write indexes 7..10 live in slots (w-1)%4: 7->2, 8->3, 9->0, 10->1.
	fx.ends[2] = endAtIndex(7, 20, 1, t0+7)
	fx.ends[3] = endAtIndex(8, 21, 2, t0+8)
	fx.ends[0] = endAtIndex(5, 19, 1, t0+5) // index 9 claimed, slot still holds 5: mid-write
	fx.ends[1] = endAtIndex(10, 22, 3, t0+10)
	e := fx.ends[3]
	e.flags = flagPreserved
	e.text = "disk full"
	fx.ends[3] = e
	// Preserved: 21 (also in the ring), 3 (evicted, ended at t0+6: between 7 and 5), a reserved slot still running.
	p21 := fx.ends[3]
	p21.index = 1
	p3 := endAtIndex(2, 3, 2, t0+6)
	p3.flags = flagPreserved
	p3.text = "old failure"
	fx.pres = []endSpec{p21, p3, {}}
	// Cancels: write indexes 1, 2 in slots 0, 1; slot 2 never written (not claimed).
	fx.cancels[0] = cancelSpec{seq: 2, index: 1, ctx: 5, how: 1, goid: 1, nanos: t0 + 1, cause: "operator", pcs: []uint64{0x3000}}
	fx.cancels[1] = cancelSpec{seq: 2, index: 2, ctx: 6, parent: 5, how: 2, nanos: t0 + 2, cause: "operator"}
	return fx
}

// TestEndedTaskNotLive: a process stopped between a task's end record and the clearing
// of its live record holds both; the task is shown ended only.
func TestEndedTaskNotLive(t *testing.T) {
	fx := fixture{recent: t0 + 10, lastTask: 40, endCap: 2, endWrite: 1,
		ends: map[uint64]endSpec{0: endAtIndex(1, 22, 1, t0+1)}, cancels: map[uint64]cancelSpec{}}
	fx.live = []taskSpec{
		{seq: 2, id: 30, start: t0, name: "running"},
		{seq: 2, id: 22, start: t0, goid: 7, name: "leaving"},
	}
	l := V1Layout()
	res, err := Read(context.Background(), fx.build(&l), fixtureBase, l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Tracker
	if len(tr.Live) != 1 || tr.Live[0].ID != 30 {
		t.Errorf("live: %+v, want task 30 only", tr.Live)
	}
	if len(tr.Terminated) != 1 || tr.Terminated[0].Task.ID != 22 {
		t.Errorf("terminated: %+v, want task 22", tr.Terminated)
	}
}

func TestReadFixture(t *testing.T) {
	l := V1Layout()
	m := richFixture().build(&l)
	res, err := Read(context.Background(), m, fixtureBase, l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Tracker
	if tr.Version != 1 || !tr.Now.Equal(time.Unix(0, t0+100)) || tr.Dropped != 4 {
		t.Errorf("version %d now %v dropped %d", tr.Version, tr.Now, tr.Dropped)
	}
	var live []string
	for _, tk := range tr.Live {
		live = append(live, tk.Name)
	}
	if strings.Join(live, ",") != "live-a,live-b" {
		t.Errorf("live: %v", live)
	}
	if tr.Live[1].ParentID != 30 || tr.Live[1].GoroutineID != 9 || len(tr.Live[1].Created) != 2 {
		t.Errorf("live-b: %+v", tr.Live[1])
	}
	var ended []string
	for _, e := range tr.Terminated {
		s := e.Task.Name + ":" + e.Outcome
		if e.Preserved {
			s += ":P"
		}
		ended = append(ended, s)
	}
	// Newest first: 22 (w10), 21 (w8, preserved), 20 (w7), 3 (preserved only, ended t0+6).
	if got, want := strings.Join(ended, ","), "tw:cancelled,tv:error:P,tu:returned,td:error:P"; got != want {
		t.Errorf("terminated: %s, want %s", got, want)
	}
	if tr.Terminated[1].Text != "disk full" || tr.Terminated[3].Text != "old failure" {
		t.Errorf("texts: %q %q", tr.Terminated[1].Text, tr.Terminated[3].Text)
	}
	if len(tr.Cancellations) != 2 || tr.Cancellations[0].ContextID != 6 || tr.Cancellations[0].How != model.CancelParent ||
		tr.Cancellations[1].ContextID != 5 || tr.Cancellations[1].Cause != "operator" {
		t.Errorf("cancellations: %+v", tr.Cancellations)
	}
	// Skipped: live torn (mid-write), duplicate + bad flags (corrupt); ring slot of index 9 (mid-write).
	if tr.Skipped[ReasonMidWrite] != 2 || tr.Skipped[ReasonCorrupt] != 2 || len(tr.Skipped) != 2 {
		t.Errorf("skipped: %v", tr.Skipped)
	}
	if len(res.PCs) != 3 || res.PCs[0] != 0x1000 || res.PCs[2] != 0x3000 {
		t.Errorf("pcs: %#x", res.PCs)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	t.Logf("%d reads, %d bytes", res.Reads, res.Bytes)
}

func TestReadRingIndexMismatchIsCorrupt(t *testing.T) {
	l := V1Layout()
	fx := richFixture()
	e := fx.ends[2]
	e.index = 6 // slot 2 can only hold 3, 7, 11...: corrupt
	fx.ends[2] = e
	res, err := Read(context.Background(), fx.build(&l), fixtureBase, l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tracker.Skipped[ReasonCorrupt] != 3 {
		t.Errorf("skipped: %v", res.Tracker.Skipped)
	}
	for _, tm := range res.Tracker.Terminated {
		if tm.Task.ID == 20 {
			t.Errorf("record with a wrong index returned")
		}
	}
}

func TestReadRefusesBadRoots(t *testing.T) {
	l := V1Layout()
	for name, mutate := range map[string]func(b []byte){
		"magic":    func(b []byte) { put(b, l.Root.Fields["magic"], 1) },
		"version":  func(b []byte) { put(b, l.Root.Fields["version"], 2) },
		"nameMax":  func(b []byte) { put(b, l.Root.Fields["nameMax"], 65) },
		"stackMax": func(b []byte) { put(b, l.Root.Fields["stackMax"], 1<<60) },
	} {
		m := richFixture().build(&l)
		mutate(m.b)
		if _, err := Read(context.Background(), m, fixtureBase, l, Options{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m := richFixture().build(&l)
	m.b = m.b[:1000]
	if _, err := Read(context.Background(), m, fixtureBase, l, Options{}); err == nil || !strings.Contains(err.Error(), "read tracker root") {
		t.Errorf("truncated root: %v", err)
	}
	// Debug info disagreeing with the constants.
	l2 := V1Layout()
	l2.TaskRecord.Fields["name"] = Field{Off: 88, Size: 32}
	if _, err := Read(context.Background(), richFixture().build(&l), fixtureBase, l2, Options{}); err == nil {
		t.Errorf("name array of 32 accepted")
	}
}

func TestReadBadRingsAreReportedNotFatal(t *testing.T) {
	l := V1Layout()
	for name, mutate := range map[string]func(b []byte){
		"ring magic":       func(b []byte) { put(b[offEndRing:], l.Ring.Fields["magic"], 5) },
		"capacity 0":       func(b []byte) { put(b[offEndRing:], l.Ring.Fields["capacity"], 0) },
		"capacity huge":    func(b []byte) { put(b[offEndRing:], l.Ring.Fields["capacity"], 1<<40) },
		"records unmapped": func(b []byte) { put(b[offEndRing:], l.Ring.Fields["recs"], 0x10) },
		"ring unmapped":    func(b []byte) { put(b, l.Root.Fields["ended"], 0x10) },
		"nil ring":         func(b []byte) { put(b, l.Root.Fields["ended"], 0) },
	} {
		m := richFixture().build(&l)
		mutate(m.b)
		res, err := Read(context.Background(), m, fixtureBase, l, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(res.Problems) == 0 || len(res.Tracker.Live) != 2 || len(res.Tracker.Cancellations) != 2 {
			t.Errorf("%s: problems %v, live %d, cancels %d", name, res.Problems, len(res.Tracker.Live), len(res.Tracker.Cancellations))
		}
	}
}

func TestReadBudgetAndCancel(t *testing.T) {
	l := V1Layout()
	m := richFixture().build(&l)
	res, err := Read(context.Background(), m, fixtureBase, l, Options{MaxBytes: int64(l.span()) + 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) == 0 || res.Bytes > int64(l.span())+100 {
		t.Errorf("budget: problems %v bytes %d", res.Problems, res.Bytes)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, m, fixtureBase, l, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// adversarial returns an image whose root claims the largest arenas and
// rings, with every pointer aimed back into the (small) image.
func adversarial(l *Layout) *image {
	fx := fixture{lastTask: ^uint64(0), lastCtx: ^uint64(0), lastGroup: ^uint64(0), endCap: 1, cancelCap: 1, ends: map[uint64]endSpec{}, cancels: map[uint64]cancelSpec{}}
	m := fx.build(l)
	r := l.Root.Fields
	live, pres := m.b[r["live"].Off:], m.b[r["preserved"].Off:]
	put(live, l.LiveArena.Fields["nchunks"], ^uint64(0))
	put(live, l.LiveArena.Fields["used"], ^uint64(0))
	put(pres, l.PresArena.Fields["nchunks"], ^uint64(0))
	put(pres, l.PresArena.Fields["reserved"], ^uint64(0))
	for i := uint64(0); i < LiveChunksMax; i++ {
		put(live[l.LiveArena.Fields["chunks"].Off+8*i:], Field{Size: 8}, fixtureBase)
	}
	for i := uint64(0); i < PresChunksMax; i++ {
		put(pres[l.PresArena.Fields["chunks"].Off+8*i:], Field{Size: 8}, fixtureBase)
	}
	for _, off := range []uint64{offEndRing, offCancelRing} {
		put(m.b[off:], l.Ring.Fields["capacity"], MaxCapacity)
		put(m.b[off:], l.Ring.Fields["writeIndex"], ^uint64(0))
		put(m.b[off:], l.Ring.Fields["recs"], fixtureBase)
	}
	return m
}

// TestReadAdversarialIsBounded: a root that claims the maximum of
// everything costs time and memory in proportion to the image, not to the
// claims.
func TestReadAdversarialIsBounded(t *testing.T) {
	l := V1Layout()
	m := adversarial(&l)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	res, err := Read(context.Background(), m, fixtureBase, l, Options{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("image %d bytes: %d reads, %d bytes read, %d bytes allocated, %v, skipped %v", len(m.b), res.Reads, res.Bytes, alloc, elapsed, res.Tracker.Skipped)
	if alloc > 4<<20+64*uint64(len(m.b)) {
		t.Errorf("allocated %d bytes for an image of %d", alloc, len(m.b))
	}
	if elapsed > 5*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func TestCompactRoundTrip(t *testing.T) {
	l := V1Layout()
	m := richFixture().build(&l)
	if got := expand(&l, compact(&l, m)); string(got.b) != string(m.b) {
		t.Fatal("expand(compact(image)) differs")
	}
}

// TestReadStoppedAndSkipLive checks the one-read-per-page mode against the
// three-read protocol on the same image, and the history-only read.
func TestReadStoppedAndSkipLive(t *testing.T) {
	l := V1Layout()
	m := richFixture().build(&l)
	full, err := Read(context.Background(), m, fixtureBase, l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := Read(context.Background(), m, fixtureBase, l, Options{Stopped: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(full.Tracker, stopped.Tracker) {
		t.Fatalf("stopped read differs:\n%+v\n%+v", full.Tracker, stopped.Tracker)
	}
	if len(stopped.Tracker.Skipped) == 0 || stopped.Tracker.Skipped["mid-write"] != full.Tracker.Skipped["mid-write"] {
		t.Fatalf("skipped: stopped %v, protocol %v", stopped.Tracker.Skipped, full.Tracker.Skipped)
	}
	if stopped.Reads*2 >= full.Reads {
		t.Fatalf("stopped read made %d reads, the protocol %d: want about a third", stopped.Reads, full.Reads)
	}
	hist, err := Read(context.Background(), m, fixtureBase, l, Options{Stopped: true, SkipLive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Tracker.Live) != 0 || len(full.Tracker.Live) == 0 {
		t.Fatalf("live tasks: history-only %d, full %d", len(hist.Tracker.Live), len(full.Tracker.Live))
	}
	if !reflect.DeepEqual(full.Tracker.Terminated, hist.Tracker.Terminated) || !reflect.DeepEqual(full.Tracker.Cancellations, hist.Tracker.Cancellations) {
		t.Fatal("history-only read lost terminated or cancellation records")
	}
}

// TestReadNowIsNewestRecord: the writer lets recentNanos lag behind its newest record
// (by up to a millisecond), so Now is the newest of recentNanos and the record times —
// but a record time more than a second past recentNanos (corrupt memory) is ignored.
func TestReadNowIsNewestRecord(t *testing.T) {
	l := V1Layout()
	fx := richFixture()
	fx.recent = t0 + 5 // the newest valid record ended at t0+10
	fx.live[0].start = t0 + int64(2*time.Second)
	res, err := Read(context.Background(), fx.build(&l), fixtureBase, l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Tracker.Now, time.Unix(0, t0+10); !got.Equal(want) {
		t.Errorf("Now = %v, want %v (the newest record's end)", got, want)
	}
}
