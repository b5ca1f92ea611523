package trackermem

import (
	"context"
	"encoding/binary"
	"flag"
	"testing"
	"time"
)

// limitMinimization sets -test.fuzzminimizetime to 200 runs unless the
// command line set it. The default (a minute per new input) starves a
// short run: with inputs of a few hundred bytes, each new interesting input
// took 2 s of the workers' time to minimize, and the run averaged tens of
// executions a second instead of thousands.
func limitMinimization() {
	set := false
	flag.Visit(func(fl *flag.Flag) { set = set || fl.Name == "test.fuzzminimizetime" })
	if !set {
		_ = flag.Set("test.fuzzminimizetime", "200x")
	}
}

// FuzzRecords feeds arbitrary bytes to the record decoders, with seq
// words taken from the input: they never panic, and a valid record respects
// every bound.
func FuzzRecords(f *testing.F) {
	l := V1Layout()
	b := make([]byte, l.EndRecord.Size)
	encodeEnd(&l, b, validEnd())
	f.Add(uint64(4), b, uint64(4))
	c := make([]byte, l.CancelRecord.Size)
	encodeCancel(&l, c, validCancel())
	f.Add(uint64(2), c, uint64(2))
	tk := make([]byte, l.TaskRecord.Size)
	encodeTask(&l, tk, validTask())
	f.Add(uint64(4), tk, uint64(4))
	f.Add(uint64(0), []byte{}, uint64(0))
	d, err := NewDecoder(l, lim)
	if err != nil {
		f.Fatal(err)
	}
	limitMinimization()
	f.Fuzz(func(t *testing.T, seq1 uint64, rec []byte, seq2 uint64) {
		if r, st := d.DecodeTask(seq1, rec, seq2); st == Valid {
			if len(r.Task.Name) > NameMax || len(r.Task.Created) > StackMax || r.Task.ID == 0 {
				t.Fatalf("task out of bounds: %+v", r)
			}
		}
		if r, st := d.DecodeEnd(seq1, rec, seq2); st == Valid {
			tm := r.Termination
			if len(tm.Text) > TextMax || len(tm.PanicStack) > StackMax || tm.Duration < 0 || tm.Outcome == "" {
				t.Fatalf("end out of bounds: %+v", r)
			}
		}
		if r, st := d.DecodeCancel(seq1, rec, seq2); st == Valid {
			if len(r.Cancellation.Cause) > TextMax || len(r.Cancellation.Stack) > StackMax || r.Cancellation.How == "" {
				t.Fatalf("cancel out of bounds: %+v", r)
			}
		}
	})
}

// FuzzDecode reads a whole tracker from an arbitrary memory image
// (see expand: the input holds the root's scalars, arena headers and first
// directory entries, then the memory after the root): Read never panics,
// finishes quickly, and returns no more records than the image can hold.
//
// Read runs with the options and bounds the tool uses (a stopped target:
// one read per page; the default byte and time budgets), and with the
// running-target protocol (three reads per page) for inputs of odd length.
// Unless the command line sets it, minimization is cut to 200 runs (see
// limitMinimization).
func FuzzDecode(f *testing.F) {
	limitMinimization()
	l := V1Layout()
	f.Add(compact(&l, richFixture().build(&l)))
	f.Add(compact(&l, adversarial(&l)))
	f.Add(make([]byte, 100))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := expand(&l, data)
		data = m.b[l.span():]
		start := time.Now()
		res, err := Read(context.Background(), m, fixtureBase, l, Options{Stopped: len(data)%2 == 0})
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Fatalf("Read took %v on %d bytes", elapsed, len(data))
		}
		if err != nil {
			return
		}
		tr := res.Tracker
		n := len(tr.Live)*int(l.TaskRecord.Size) + (len(tr.Terminated)/2)*int(l.EndRecord.Size) + len(tr.Cancellations)*int(l.CancelRecord.Size)
		if n > 2*len(data) {
			t.Fatalf("%d records from %d bytes", len(tr.Live)+len(tr.Terminated)+len(tr.Cancellations), len(data))
		}
		for _, c := range tr.Cancellations {
			if len(c.Cause) > TextMax || len(c.Stack) > StackMax {
				t.Fatalf("cancel out of bounds")
			}
		}
		for _, e := range tr.Terminated {
			if len(e.Text) > TextMax || len(e.Task.Name) > NameMax || e.Duration < 0 {
				t.Fatalf("end out of bounds")
			}
		}
	})
}

// FuzzDamagedImage mutates a valid image at a chosen offset, so that the
// fuzzer explores damaged but mostly well-formed trackers.
func FuzzDamagedImage(f *testing.F) {
	l := V1Layout()
	good := richFixture().build(&l).b
	f.Add(uint32(0), uint64(0))
	f.Add(uint32(l.Root.Fields["live"].Off+8), uint64(1<<20))
	f.Add(uint32(offEndRing+16), uint64(1<<40))
	limitMinimization()
	f.Fuzz(func(t *testing.T, off uint32, v uint64) {
		data := append([]byte(nil), good...)
		o := int(off) % (len(data) - 8)
		binary.LittleEndian.PutUint64(data[o:], v)
		m := &image{base: fixtureBase, b: data}
		res, err := Read(context.Background(), m, fixtureBase, l, Options{Stopped: true})
		if err != nil {
			return
		}
		if len(res.Tracker.Live) > 6 || len(res.Tracker.Terminated) > 6 || len(res.Tracker.Cancellations) > 3 {
			t.Fatalf("more records than written: %d %d %d", len(res.Tracker.Live), len(res.Tracker.Terminated), len(res.Tracker.Cancellations))
		}
	})
}
