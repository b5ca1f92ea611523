package trackermem

import (
	"encoding/binary"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// Status says what a record slot holds.
type Status int

// Record slot states.
const (
	// Valid: a stable, consistent record.
	Valid Status = iota
	// Empty: a slot never written, or a free live slot; not a record and
	// not an error.
	Empty
	// MidWrite: the target stopped while the record was being written (odd
	// or changing seq, or a ring slot claimed but not yet written).
	MidWrite
	// Corrupt: the record breaks the layout's invariants.
	Corrupt
)

// Skip reasons, as counted in model.Tracker.Skipped.
const (
	ReasonMidWrite   = "mid-write"
	ReasonCorrupt    = "corrupt"
	ReasonUnreadable = "unreadable"
	// ReasonDuplicate: the record lies in a chunk whose directory entry
	// repeats or overlaps another chunk's.
	ReasonDuplicate = "duplicate chunk"
	// ReasonBudget: the record was not read because the read ran out of
	// its time or byte budget.
	ReasonBudget = "not read (budget)"
)

// String names the status ("mid-write", "corrupt": the skip reasons).
func (s Status) String() string {
	switch s {
	case Valid:
		return "valid"
	case Empty:
		return "empty"
	case MidWrite:
		return ReasonMidWrite
	case Corrupt:
		return ReasonCorrupt
	}
	return "unknown"
}

// Limits are the id counters of the root: no record can carry an id above
// them (ids are issued before records are written).
type Limits struct {
	LastTaskID, LastCtxID, LastGroupID uint64
}

// Flags of task and end records.
const (
	flagPreserved = 1
	flagInGroup   = 2
	flagsKnown    = flagPreserved | flagInGroup
)

// Decoder decodes records of one target's layout.
type Decoder struct {
	l   Layout
	lim Limits
}

// NewDecoder checks the layout and returns a decoder that validates ids
// against lim.
func NewDecoder(l Layout, lim Limits) (*Decoder, error) {
	if err := l.Check(); err != nil {
		return nil, err
	}
	return &Decoder{l: l, lim: lim}, nil
}

func u64(b []byte, f Field) uint64 { return binary.LittleEndian.Uint64(b[f.Off : f.Off+8]) }

// str returns the first n bytes of array field f (n already bounded).
func str(b []byte, f Field, n uint64) string { return string(b[f.Off : f.Off+n]) }

// frames returns the first n words of array field f as PC-only frames,
// dropping zero words.
func frames(b []byte, f Field, n uint64) []model.Frame {
	out := make([]model.Frame, 0, n)
	for i := uint64(0); i < n; i++ {
		if pc := binary.LittleEndian.Uint64(b[f.Off+8*i:]); pc != 0 {
			out = append(out, model.Frame{Location: model.Location{PC: pc}})
		}
	}
	return out
}

// seqStatus applies the seqlock rule: seq1 (read before the body), the
// body's own copy and seq2 (read after) must agree and be even; 0 means the
// slot was never written.
func seqStatus(seq1, body, seq2 uint64) Status {
	switch {
	case seq1 != seq2 || seq1 != body || seq1&1 == 1:
		return MidWrite
	case seq1 == 0:
		return Empty
	}
	return Valid
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// unixTime turns unix nanoseconds into a time.
func unixTime(ns int64) time.Time { return time.Unix(0, ns) }

// TaskRecord is a decoded live task record.
type TaskRecord struct {
	Task      model.Task
	Preserved bool
}

// DecodeTask decodes one taskRecord: rec holds its bytes (at least
// TaskRecord.Size), seq1 and seq2 are its seq word read before and after rec.
func (d *Decoder) DecodeTask(seq1 uint64, rec []byte, seq2 uint64) (TaskRecord, Status) {
	l := d.l.TaskRecord
	if uint64(len(rec)) < l.Size {
		return TaskRecord{}, Corrupt
	}
	f := l.Fields
	st := seqStatus(seq1, u64(rec, f["seq"]), seq2)
	if st == Empty {
		if !allZero(rec[:l.Size]) {
			return TaskRecord{}, Corrupt
		}
		return TaskRecord{}, Empty
	}
	if st != Valid {
		return TaskRecord{}, st
	}
	id := u64(rec, f["id"])
	if id == 0 {
		return TaskRecord{}, Empty
	}
	c, ok := d.common(rec, f, id)
	if !ok {
		return TaskRecord{}, Corrupt
	}
	return c, Valid
}

// common decodes and checks the fields taskRecord and endRecord share.
func (d *Decoder) common(rec []byte, f map[string]Field, id uint64) (TaskRecord, bool) {
	parent, group, ctxID := u64(rec, f["parentID"]), u64(rec, f["groupID"]), u64(rec, f["ctxID"])
	flags, start := u64(rec, f["flags"]), int64(u64(rec, f["startNanos"]))
	nameLen, groupLen, npcs := u64(rec, f["nameLen"]), u64(rec, f["groupNameLen"]), u64(rec, f["npcs"])
	switch {
	case id > d.lim.LastTaskID, parent >= id, group > d.lim.LastGroupID, ctxID > d.lim.LastCtxID,
		flags&^flagsKnown != 0, (group != 0) != (flags&flagInGroup != 0),
		start <= 0,
		nameLen > f["name"].Size, groupLen > f["groupName"].Size, npcs > f["pcs"].Size/8:
		return TaskRecord{}, false
	}
	goid := u64(rec, f["goid"])
	if int64(goid) < 0 {
		return TaskRecord{}, false
	}
	return TaskRecord{
		Task: model.Task{
			ID: id, Name: str(rec, f["name"], nameLen), ParentID: parent,
			Group: str(rec, f["groupName"], groupLen), GroupID: group,
			GoroutineID: int64(goid), ContextID: ctxID, Started: unixTime(start),
			Created: frames(rec, f["pcs"], npcs),
		},
		Preserved: flags&flagPreserved != 0,
	}, true
}

// Outcome names by code (endRecord.outcome).
var outcomes = [...]string{1: model.OutcomeReturned, 2: model.OutcomeError, 3: model.OutcomeCancelled, 4: model.OutcomePanic, 5: model.OutcomeGoexit}

// EndRecord is a decoded termination record with its ring (or preserved)
// index.
type EndRecord struct {
	Index       uint64
	Termination model.Termination
}

// DecodeEnd decodes one endRecord (ring or preserved arena); see DecodeTask
// for seq1 and seq2.
func (d *Decoder) DecodeEnd(seq1 uint64, rec []byte, seq2 uint64) (EndRecord, Status) {
	l := d.l.EndRecord
	if uint64(len(rec)) < l.Size {
		return EndRecord{}, Corrupt
	}
	f := l.Fields
	st := seqStatus(seq1, u64(rec, f["seq"]), seq2)
	if st == Empty {
		if !allZero(rec[:l.Size]) {
			return EndRecord{}, Corrupt
		}
		return EndRecord{}, Empty
	}
	if st != Valid {
		return EndRecord{}, st
	}
	index, id := u64(rec, f["index"]), u64(rec, f["id"])
	if index == 0 || id == 0 {
		return EndRecord{}, Corrupt
	}
	c, ok := d.common(rec, f, id)
	if !ok {
		return EndRecord{}, Corrupt
	}
	outcome, end := u64(rec, f["outcome"]), int64(u64(rec, f["endNanos"]))
	textLen, panicN := u64(rec, f["textLen"]), u64(rec, f["panicNpcs"])
	switch {
	case outcome == 0 || outcome >= uint64(len(outcomes)), end <= 0,
		end < c.Task.Started.UnixNano(), // the writer clamps: an end before the start is corrupt
		textLen > f["text"].Size, panicN > f["panicPCs"].Size/8,
		panicN != 0 && outcome != 4:
		return EndRecord{}, Corrupt
	}
	t := model.Termination{
		Task:      c.Task,
		Outcome:   outcomes[outcome],
		Text:      str(rec, f["text"], textLen),
		Ended:     unixTime(end),
		Duration:  time.Duration(end - c.Task.Started.UnixNano()),
		Preserved: c.Preserved,
	}
	if outcome == 4 {
		t.PanicStack = frames(rec, f["panicPCs"], panicN)
	}
	return EndRecord{Index: index, Termination: t}, Valid
}

// How names by code (cancelRecord.how).
var hows = [...]string{1: model.CancelExplicit, 2: model.CancelParent, 3: model.CancelDeadline}

// CancelRecord is a decoded cancellation record with its ring index.
type CancelRecord struct {
	Index        uint64
	Cancellation model.Cancellation
}

// DecodeCancel decodes one cancelRecord; see DecodeTask for seq1 and seq2.
func (d *Decoder) DecodeCancel(seq1 uint64, rec []byte, seq2 uint64) (CancelRecord, Status) {
	l := d.l.CancelRecord
	if uint64(len(rec)) < l.Size {
		return CancelRecord{}, Corrupt
	}
	f := l.Fields
	st := seqStatus(seq1, u64(rec, f["seq"]), seq2)
	if st == Empty {
		if !allZero(rec[:l.Size]) {
			return CancelRecord{}, Corrupt
		}
		return CancelRecord{}, Empty
	}
	if st != Valid {
		return CancelRecord{}, st
	}
	index, ctxID, parent := u64(rec, f["index"]), u64(rec, f["ctxID"]), u64(rec, f["parentCtxID"])
	how, goid, task := u64(rec, f["how"]), u64(rec, f["goid"]), u64(rec, f["taskID"])
	nanos, causeLen, npcs := int64(u64(rec, f["nanos"])), u64(rec, f["causeLen"]), u64(rec, f["npcs"])
	switch {
	case index == 0, ctxID == 0, ctxID > d.lim.LastCtxID, parent >= ctxID,
		how == 0 || how >= uint64(len(hows)), task > d.lim.LastTaskID, int64(goid) < 0,
		nanos <= 0, causeLen > f["cause"].Size, npcs > f["pcs"].Size/8,
		how != 1 && (goid != 0 || task != 0 || npcs != 0):
		return CancelRecord{}, Corrupt
	}
	return CancelRecord{Index: index, Cancellation: model.Cancellation{
		ContextID: ctxID, ParentContextID: parent, How: hows[how],
		GoroutineID: int64(goid), TaskID: task,
		Stack: frames(rec, f["pcs"], npcs), Time: unixTime(nanos),
		Cause: str(rec, f["cause"], causeLen),
	}}, Valid
}
