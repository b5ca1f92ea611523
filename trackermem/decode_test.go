package trackermem

import (
	"testing"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

var lim = Limits{LastTaskID: 100, LastCtxID: 50, LastGroupID: 5}

func newDecoder(t testing.TB) (*Decoder, *Layout) {
	t.Helper()
	l := V1Layout()
	d, err := NewDecoder(l, lim)
	if err != nil {
		t.Fatal(err)
	}
	return d, &l
}

const t0 = int64(1_700_000_000_000_000_000)

func validTask() taskSpec {
	return taskSpec{seq: 4, id: 7, parent: 3, goid: 42, group: 2, ctx: 9, start: t0,
		flags: flagInGroup | flagPreserved, name: "event-loop", groupName: "daemons", pcs: []uint64{0x401000, 0x402000}}
}

func validEnd() endSpec {
	return endSpec{taskSpec: validTask(), index: 12, end: t0 + int64(time.Second), outcome: 2, text: "disk full"}
}

func validCancel() cancelSpec {
	return cancelSpec{seq: 2, index: 3, ctx: 9, parent: 4, how: 1, goid: 17, task: 7, nanos: t0 + 5, cause: "shutdown", pcs: []uint64{0x403000}}
}

func TestV1LayoutMatchesLayoutDoc(t *testing.T) {
	l := V1Layout()
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  uint64
		want uint64
	}{
		{"taskRecord", l.TaskRecord.Size, 472}, {"endRecord", l.EndRecord.Size, 1024},
		{"cancelRecord", l.CancelRecord.Size, 592}, {"root.live", l.Root.Fields["live"].Off, 136},
		{"root.preserved", l.Root.Fields["preserved"].Off, 32936}, {"endRecord.panicPCs", l.EndRecord.Fields["panicPCs"].Off, 768},
		{"cancelRecord.pcs", l.CancelRecord.Fields["pcs"].Off, 336}, {"taskRecord.pcs", l.TaskRecord.Fields["pcs"].Off, 216},
		{"root span", l.span(), 41152},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, LAYOUT.md says %d", c.name, c.got, c.want)
		}
	}
}

func TestLayoutCheckRefusesBadLayouts(t *testing.T) {
	for name, mutate := range map[string]func(*Layout){
		"missing field":   func(l *Layout) { delete(l.EndRecord.Fields, "panicPCs") },
		"outside struct":  func(l *Layout) { l.TaskRecord.Fields["pcs"] = Field{Off: 300, Size: 256} },
		"overflow":        func(l *Layout) { l.CancelRecord.Fields["how"] = Field{Off: ^uint64(0) - 3, Size: 8} },
		"scalar size":     func(l *Layout) { l.Ring.Fields["capacity"] = Field{Off: 8, Size: 4} },
		"words size":      func(l *Layout) { l.EndRecord.Fields["pcs"] = Field{Off: 512, Size: 255} },
		"zero size":       func(l *Layout) { l.Ring.Size = 0 },
		"huge struct":     func(l *Layout) { l.EndRecord.Size = 1 << 40 },
		"arena too small": func(l *Layout) { l.Root.Fields["preserved"] = Field{Off: 32936, Size: 8} },
	} {
		l := V1Layout()
		mutate(&l)
		if err := l.Check(); err == nil {
			t.Errorf("%s: Check accepted the layout", name)
		}
		if _, err := NewDecoder(l, lim); err == nil {
			t.Errorf("%s: NewDecoder accepted the layout", name)
		}
	}
}

func TestDecodeValidRecords(t *testing.T) {
	d, l := newDecoder(t)
	b := make([]byte, l.TaskRecord.Size)
	encodeTask(l, b, validTask())
	rec, st := d.DecodeTask(4, b, 4)
	if st != Valid {
		t.Fatalf("task: %v", st)
	}
	want := model.Task{ID: 7, Name: "event-loop", ParentID: 3, Group: "daemons", GroupID: 2, GoroutineID: 42, ContextID: 9,
		Started: time.Unix(0, t0), Created: []model.Frame{{Location: model.Location{PC: 0x401000}}, {Location: model.Location{PC: 0x402000}}}}
	if !equalTask(rec.Task, want) || !rec.Preserved {
		t.Fatalf("task: got %+v, want %+v", rec, want)
	}

	e := make([]byte, l.EndRecord.Size)
	encodeEnd(l, e, validEnd())
	er, st := d.DecodeEnd(4, e, 4)
	if st != Valid {
		t.Fatalf("end: %v", st)
	}
	if er.Index != 12 || er.Termination.Outcome != model.OutcomeError || er.Termination.Text != "disk full" ||
		er.Termination.Duration != time.Second || !er.Termination.Preserved || !equalTask(er.Termination.Task, want) ||
		len(er.Termination.PanicStack) != 0 {
		t.Fatalf("end: %+v", er)
	}

	p := validEnd()
	p.outcome, p.text, p.panicPCs = 4, "boom", []uint64{0x1, 0x2, 0x3}
	encodeEnd(l, e, p)
	er, st = d.DecodeEnd(4, e, 4)
	if st != Valid || er.Termination.Outcome != model.OutcomePanic || len(er.Termination.PanicStack) != 3 || er.Termination.Text != "boom" {
		t.Fatalf("panic end: %v %+v", st, er)
	}

	c := make([]byte, l.CancelRecord.Size)
	encodeCancel(l, c, validCancel())
	cr, st := d.DecodeCancel(2, c, 2)
	if st != Valid {
		t.Fatalf("cancel: %v", st)
	}
	wantC := model.Cancellation{ContextID: 9, ParentContextID: 4, How: model.CancelExplicit, GoroutineID: 17, TaskID: 7,
		Time: time.Unix(0, t0+5), Cause: "shutdown"}
	if cr.Index != 3 || cr.Cancellation.ContextID != wantC.ContextID || cr.Cancellation.ParentContextID != 4 || cr.Cancellation.How != wantC.How ||
		cr.Cancellation.GoroutineID != 17 || cr.Cancellation.TaskID != 7 || !cr.Cancellation.Time.Equal(wantC.Time) ||
		cr.Cancellation.Cause != "shutdown" || len(cr.Cancellation.Stack) != 1 || cr.Cancellation.Stack[0].PC != 0x403000 {
		t.Fatalf("cancel: %+v", cr)
	}
}

func equalTask(a, b model.Task) bool {
	if a.ID != b.ID || a.Name != b.Name || a.ParentID != b.ParentID || a.Group != b.Group || a.GroupID != b.GroupID ||
		a.GoroutineID != b.GoroutineID || a.ContextID != b.ContextID || !a.Started.Equal(b.Started) || len(a.Created) != len(b.Created) {
		return false
	}
	for i := range a.Created {
		if a.Created[i].PC != b.Created[i].PC {
			return false
		}
	}
	return true
}

func TestDecodeTaskInvalid(t *testing.T) {
	d, l := newDecoder(t)
	f := l.TaskRecord.Fields
	cases := []struct {
		name       string
		mutate     func(b []byte)
		seq1, seq2 uint64
		want       Status
	}{
		{"odd seq", func(b []byte) { put(b, f["seq"], 5) }, 5, 5, MidWrite},
		{"seq changed", nil, 4, 6, MidWrite},
		{"seq before differs", nil, 2, 4, MidWrite},
		{"body seq differs", func(b []byte) { put(b, f["seq"], 6) }, 4, 4, MidWrite},
		{"free slot", func(b []byte) { put(b, f["id"], 0) }, 4, 4, Empty},
		{"never written", func(b []byte) { clear(b) }, 0, 0, Empty},
		{"seq 0 with data", func(b []byte) { put(b, f["seq"], 0) }, 0, 0, Corrupt},
		{"nameLen", func(b []byte) { put(b, f["nameLen"], 65) }, 4, 4, Corrupt},
		{"nameLen huge", func(b []byte) { put(b, f["nameLen"], ^uint64(0)) }, 4, 4, Corrupt},
		{"groupNameLen", func(b []byte) { put(b, f["groupNameLen"], 1000) }, 4, 4, Corrupt},
		{"npcs", func(b []byte) { put(b, f["npcs"], 33) }, 4, 4, Corrupt},
		{"id beyond lastTaskID", func(b []byte) { put(b, f["id"], 101) }, 4, 4, Corrupt},
		{"parent not older", func(b []byte) { put(b, f["parentID"], 7) }, 4, 4, Corrupt},
		{"group beyond lastGroupID", func(b []byte) { put(b, f["groupID"], 6) }, 4, 4, Corrupt},
		{"ctx beyond lastCtxID", func(b []byte) { put(b, f["ctxID"], 51) }, 4, 4, Corrupt},
		{"unknown flag", func(b []byte) { put(b, f["flags"], 7) }, 4, 4, Corrupt},
		{"group without flag", func(b []byte) { put(b, f["flags"], flagPreserved) }, 4, 4, Corrupt},
		{"no start time", func(b []byte) { put(b, f["startNanos"], 0) }, 4, 4, Corrupt},
		{"negative goid", func(b []byte) { put(b, f["goid"], ^uint64(0)) }, 4, 4, Corrupt},
	}
	for _, c := range cases {
		b := make([]byte, l.TaskRecord.Size)
		encodeTask(l, b, validTask())
		if c.mutate != nil {
			c.mutate(b)
		}
		if _, st := d.DecodeTask(c.seq1, b, c.seq2); st != c.want {
			t.Errorf("%s: %v, want %v", c.name, st, c.want)
		}
	}
	b := make([]byte, l.TaskRecord.Size)
	encodeTask(l, b, validTask())
	if _, st := d.DecodeTask(4, b[:len(b)-1], 4); st != Corrupt {
		t.Errorf("truncated: %v", st)
	}
}

func TestDecodeEndInvalid(t *testing.T) {
	d, l := newDecoder(t)
	f := l.EndRecord.Fields
	for name, mutate := range map[string]func(b []byte){
		"outcome 0":             func(b []byte) { put(b, f["outcome"], 0) },
		"outcome 6":             func(b []byte) { put(b, f["outcome"], 6) },
		"textLen":               func(b []byte) { put(b, f["textLen"], 257) },
		"panicNpcs":             func(b []byte) { put(b, f["outcome"], 4); put(b, f["panicNpcs"], 33) },
		"panic stack not panic": func(b []byte) { put(b, f["panicNpcs"], 1) },
		"index 0":               func(b []byte) { put(b, f["index"], 0) },
		"id 0":                  func(b []byte) { put(b, f["id"], 0) },
		"no end time":           func(b []byte) { put(b, f["endNanos"], 0) },
		"npcs":                  func(b []byte) { put(b, f["npcs"], 1<<40) },
	} {
		b := make([]byte, l.EndRecord.Size)
		encodeEnd(l, b, validEnd())
		mutate(b)
		if _, st := d.DecodeEnd(4, b, 4); st != Corrupt {
			t.Errorf("%s: %v, want corrupt", name, st)
		}
	}
	b := make([]byte, l.EndRecord.Size)
	encodeEnd(l, b, validEnd())
	if _, st := d.DecodeEnd(3, b, 3); st != MidWrite {
		t.Errorf("odd seq: %v", st)
	}
}

func TestDecodeCancelInvalid(t *testing.T) {
	d, l := newDecoder(t)
	f := l.CancelRecord.Fields
	for name, mutate := range map[string]func(b []byte){
		"how 0":               func(b []byte) { put(b, f["how"], 0) },
		"how 4":               func(b []byte) { put(b, f["how"], 4) },
		"causeLen":            func(b []byte) { put(b, f["causeLen"], 300) },
		"npcs":                func(b []byte) { put(b, f["npcs"], 40) },
		"ctx 0":               func(b []byte) { put(b, f["ctxID"], 0) },
		"ctx beyond lastCtx":  func(b []byte) { put(b, f["ctxID"], 51) },
		"parent not older":    func(b []byte) { put(b, f["parentCtxID"], 9) },
		"parent with goid":    func(b []byte) { put(b, f["how"], 2) },
		"task beyond last":    func(b []byte) { put(b, f["taskID"], 101) },
		"no time":             func(b []byte) { put(b, f["nanos"], 0) },
		"index 0":             func(b []byte) { put(b, f["index"], 0) },
		"deadline with stack": func(b []byte) { put(b, f["how"], 3); put(b, f["goid"], 0); put(b, f["taskID"], 0) },
	} {
		b := make([]byte, l.CancelRecord.Size)
		encodeCancel(l, b, validCancel())
		mutate(b)
		if _, st := d.DecodeCancel(2, b, 2); st != Corrupt {
			t.Errorf("%s: %v, want corrupt", name, st)
		}
	}
	// A parent-cancelled record without canceller is valid.
	c := validCancel()
	c.how, c.goid, c.task, c.pcs = 2, 0, 0, nil
	b := make([]byte, l.CancelRecord.Size)
	encodeCancel(l, b, c)
	if r, st := d.DecodeCancel(2, b, 2); st != Valid || r.Cancellation.How != model.CancelParent {
		t.Errorf("parent-cancelled: %v %+v", st, r)
	}
}

// TestDecodeBitFlips flips every bit of valid records: decoding never
// panics and whatever is returned as valid respects every bound.
func TestDecodeBitFlips(t *testing.T) {
	d, l := newDecoder(t)
	e := make([]byte, l.EndRecord.Size)
	p := validEnd()
	p.outcome, p.panicPCs = 4, []uint64{1, 2}
	encodeEnd(l, e, p)
	counts := map[Status]int{}
	for i := range e {
		for bit := 0; bit < 8; bit++ {
			b := append([]byte(nil), e...)
			b[i] ^= 1 << bit
			seq := u64(b, l.EndRecord.Fields["seq"])
			r, st := d.DecodeEnd(seq, b, seq)
			counts[st]++
			if st == Valid {
				tm := r.Termination
				if len(tm.Task.Name) > NameMax || len(tm.Task.Group) > NameMax || len(tm.Text) > TextMax ||
					len(tm.Task.Created) > StackMax || len(tm.PanicStack) > StackMax || tm.Duration < 0 {
					t.Fatalf("byte %d bit %d: out of bounds %+v", i, bit, tm)
				}
			}
		}
	}
	if counts[Corrupt] == 0 || counts[MidWrite] == 0 || counts[Valid] == 0 {
		t.Fatalf("statuses: %v", counts)
	}
	t.Logf("end record bit flips: %v", counts)
}
