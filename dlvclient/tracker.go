package dlvclient

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/trackermem"
)

// trackerPkg is the import path of the tracker package; its root variable
// is the one entry point of its memory (tracker/LAYOUT.md).
const trackerPkg = model.TrackerPackage

// trackerState is what a session knows about the target's tracker: the
// layout and root address (learned once) and the last read (until the
// target runs).
type trackerState struct {
	learned  bool
	absent   bool // the target does not link the tracker
	rootAddr uint64
	layout   trackermem.Layout
	cached   *model.Tracker
	// history is a read without the live arena, for commands that only
	// need ended tasks and cancellations.
	history *model.Tracker
	// snapErr is the error of the tracker read made for the last snapshot.
	snapErr error
	// last holds the statistics of the last read.
	last trackermem.Result
	// linked is the tracker whose link problems (goroutine mismatches)
	// were added to it, so a second snapshot does not add them again.
	linked *model.Tracker
	// ctxNodes remembers the context nodes read by context walks, and
	// ctxWalkTime the time they took, until the target runs (per-stop
	// state of the runtime's contexts, kept here with the tracker's).
	ctxNodes    map[ctxRef]ctxMemo
	ctxWalkTime time.Duration
	// ctxTypes names the dynamic types of interface values by itab
	// address, and valueFast says whether valueCtx parents are decoded
	// from raw memory (1), evaluated (-1) or not checked yet (0).
	ctxTypes  map[uint64]string
	valueFast int8
}

// invalidate drops what was read; the layout stays. Called with s.mu held.
func (t *trackerState) invalidate() {
	t.cached = nil
	t.history = nil
	t.snapErr = nil
	t.linked = nil
	t.ctxNodes, t.ctxWalkTime = nil, 0
	t.ctxTypes, t.valueFast = nil, 0
}

// Tracker reads what the tracker package recorded in the target: live
// tasks, terminated tasks (newest first, preserved records included once),
// cancellations (newest first), with every stack symbolized. It returns
// (nil, nil) when the target does not use the tracker. Records caught
// mid-write or corrupt are counted in Skipped, never returned. The result
// is cached until the target runs.
func (s *Session) Tracker(ctx context.Context) (*model.Tracker, error) {
	return s.readTracker(ctx, false)
}

// TrackerHistory is Tracker without the live tasks (Live is empty): the
// terminated tasks and cancellations only, for commands that need nothing
// else. It costs a fraction of a full read when many tasks are live. A full
// read already made at this stop is returned as is.
func (s *Session) TrackerHistory(ctx context.Context) (*model.Tracker, error) {
	return s.readTracker(ctx, true)
}

func (s *Session) readTracker(ctx context.Context, historyOnly bool) (*model.Tracker, error) {
	return s.readTrackerOnce(ctx, historyOnly)
}

func (s *Session) readTrackerOnce(ctx context.Context, historyOnly bool) (*model.Tracker, error) {
	s.mu.Lock()
	cached, history, exited := s.trk.cached, s.trk.history, s.exited
	s.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	if historyOnly && history != nil {
		return history, nil
	}
	if exited {
		return nil, ErrExited
	}
	if err := s.learnTracker(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	absent, root, layout := s.trk.absent, s.trk.rootAddr, s.trk.layout
	s.mu.Unlock()
	if absent {
		return nil, nil
	}
	// Delve reads memory only while the target is stopped (or from a core):
	// one read per page is enough for the seqlock checks.
	opts := trackermem.Options{Stopped: true, SkipLive: historyOnly}
	res, err := trackermem.Read(ctx, targetMemory{s.memoryClient()}, root, layout, opts)
	if err != nil {
		return nil, s.checkExited(fmt.Errorf("read tracker: %w", err))
	}
	s.symbolizeTracker(res)
	s.mu.Lock()
	if historyOnly {
		s.trk.history = res.Tracker
	} else {
		s.trk.cached = res.Tracker
	}
	s.trk.last = *res
	s.trk.last.Tracker = nil
	s.mu.Unlock()
	return res.Tracker, nil
}

// TrackerError returns the error met reading the tracker for the current
// snapshot (the snapshot is returned without tracker data then), or nil.
func (s *Session) TrackerError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trk.snapErr
}

// TrackerStats returns the number of memory reads and bytes of the last
// tracker read, and what could not be read (corrupt rings, unreadable
// chunks).
func (s *Session) TrackerStats() (reads int, bytes int64, problems []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trk.last.Reads, s.trk.last.Bytes, s.trk.last.Problems
}

// ReasonGoroutineMismatch counts, in model.Tracker.Skipped, live task
// records whose goroutine id names a goroutine whose task.id pprof label
// says it runs another task (or none): the link is not made.
const ReasonGoroutineMismatch = "goroutine mismatch"

// attachTracker reads the tracker for a snapshot and joins live tasks to
// their goroutines: by the goroutine id the tracker recorded when that
// goroutine's task.id pprof label (which the tracker sets on every task's
// goroutine) agrees, else by the label alone. A record whose goroutine id
// names a goroutine labelled otherwise is corrupt there: counted as a
// goroutine mismatch, and the task joins the goroutine its label names, if
// any. A failure leaves the snapshot without tracker data and is reported
// by TrackerError.
func (s *Session) attachTracker(snap *model.Snapshot, tr *model.Tracker, err error) {
	s.mu.Lock()
	s.trk.snapErr = err
	first := tr != nil && s.trk.linked != tr
	if first {
		s.trk.linked = tr
	}
	s.mu.Unlock()
	if err != nil || tr == nil {
		return
	}
	snap.Tracker = tr
	if first && tr.Skipped == nil {
		tr.Skipped = map[string]int{}
	}
	byID := make(map[uint64]int, len(tr.Live))
	for i, t := range tr.Live {
		byID[t.ID] = i
	}
	labelled := func(g *model.Goroutine) (uint64, bool) {
		v, ok := g.Labels["task.id"]
		if !ok {
			return 0, false
		}
		id, err := strconv.ParseUint(v, 10, 64)
		return id, err == nil
	}
	// Records whose goroutine id is confirmed by that goroutine's label;
	// the others are matched by label below.
	confirmed := make(map[int]bool, len(tr.Live))
	var mismatches []string
	for i, t := range tr.Live {
		if t.GoroutineID == 0 {
			continue
		}
		g := snap.Goroutine(t.GoroutineID)
		if g == nil {
			continue // exited, or leaving the tracker's wrapper
		}
		if id, ok := labelled(g); ok && id == t.ID {
			g.Task = &tr.Live[i]
			confirmed[i] = true
			continue
		}
		if len(mismatches) < 20 {
			label := "no task.id label"
			if v, ok := g.Labels["task.id"]; ok {
				label = "task.id label " + strconv.Quote(v)
			}
			mismatches = append(mismatches, fmt.Sprintf("live record of t:%d claims goroutine %d, which has %s: not linked", t.ID, g.ID, label))
		}
		if first {
			tr.Skipped[ReasonGoroutineMismatch]++
		}
	}
	if first && len(mismatches) > 0 {
		tr.Problems = append(tr.Problems, mismatches...)
	}
	for i := range snap.Goroutines {
		g := &snap.Goroutines[i]
		if g.Task != nil {
			continue
		}
		if id, ok := labelled(g); ok {
			if k, ok := byID[id]; ok && !confirmed[k] {
				g.Task = &tr.Live[k]
			}
		}
	}
}

// targetMemory reads the target through a Delve client.
type targetMemory struct{ c *rpc2.RPCClient }

// ReadMemory implements trackermem.Memory with ExamineMemory.
func (m targetMemory) ReadMemory(p []byte, addr uint64) error {
	mem, _, err := m.c.ExamineMemory(addr, len(p))
	if err != nil {
		return err
	}
	if len(mem) != len(p) {
		return fmt.Errorf("short read: %d of %d bytes", len(mem), len(p))
	}
	copy(p, mem)
	return nil
}

// symbolizeTracker resolves every PC of the records, each distinct one
// once, expanding inlined calls into frames of their own and hiding
// compiler-generated wrappers, as the runtime's tracebacks do.
func (s *Session) symbolizeTracker(res *trackermem.Result) {
	frames := make(map[uint64][]model.Frame, len(res.PCs))
	for _, pc := range res.PCs {
		frames[pc] = s.symbolizeFrames(pc, true)
	}
	expand := func(fs []model.Frame) []model.Frame {
		if len(fs) == 0 {
			return fs
		}
		perPC := make([][]model.Frame, len(fs))
		for i, f := range fs {
			if ex, ok := frames[f.PC]; ok {
				perPC[i] = ex
			} else {
				perPC[i] = []model.Frame{f}
			}
		}
		return hideWrappers(joinExpanded(perPC))
	}
	tr := res.Tracker
	for i := range tr.Live {
		tr.Live[i].Created = expand(tr.Live[i].Created)
	}
	for i := range tr.Terminated {
		tr.Terminated[i].Task.Created = expand(tr.Terminated[i].Task.Created)
		tr.Terminated[i].PanicStack = expand(tr.Terminated[i].PanicStack)
	}
	for i := range tr.Cancellations {
		tr.Cancellations[i].Stack = skipCancelPlumbing(expand(tr.Cancellations[i].Stack))
	}
}

// cancelPlumbing prefixes the functions a canceller stack starts with before the
// caller of the CancelFunc: methods of the tracker's context type and their "-fm"
// wrappers (tracker/LAYOUT.md, cancel records).
const cancelPlumbing = trackerPkg + ".(*trackedCtx)."

// skipCancelPlumbing drops the leading cancelPlumbing frames of a canceller stack
// (all of it only if nothing else is left, so a damaged record still shows something).
func skipCancelPlumbing(fs []model.Frame) []model.Frame {
	i := 0
	for i < len(fs) && strings.HasPrefix(fs[i].Function, cancelPlumbing) {
		i++
	}
	if i == len(fs) {
		return fs
	}
	return fs[i:]
}

// learnTracker finds the tracker's root variable and learns the layout of
// its types from the target's debug info, once per session.
func (s *Session) learnTracker() error {
	s.mu.Lock()
	learned := s.trk.learned
	s.mu.Unlock()
	if learned {
		return nil
	}
	scope := api.EvalScope{GoroutineID: -1}
	root, err := s.client.EvalVariable(scope, strconv.Quote(trackerPkg)+".root", shallowCfg)
	if err != nil {
		if isDelveError(err, errDelveNoSymbol) {
			s.mu.Lock()
			s.trk.learned, s.trk.absent = true, true
			s.mu.Unlock()
			return nil
		}
		return s.checkExited(fmt.Errorf("find tracker root: %w", err))
	}
	if root.Unreadable != "" {
		return fmt.Errorf("read tracker root: %s", root.Unreadable)
	}
	var l trackermem.Layout
	typeAt := func(name string) (trackermem.Struct, error) {
		expr := fmt.Sprintf("*(*%s)(%#x)", strconv.Quote(trackerPkg+"."+name), root.Addr)
		v, err := s.client.EvalVariable(scope, expr, shallowCfg)
		if err != nil {
			return trackermem.Struct{}, fmt.Errorf("tracker type %s: %w", name, err)
		}
		return structLayout(v, nil)
	}
	for _, t := range []struct {
		name string
		dst  *trackermem.Struct
	}{
		{"liveArena", &l.LiveArena}, {"presArena", &l.PresArena}, {"endRing", &l.Ring},
		{"taskRecord", &l.TaskRecord}, {"endRecord", &l.EndRecord}, {"cancelRecord", &l.CancelRecord},
	} {
		if *t.dst, err = typeAt(t.name); err != nil {
			return err
		}
	}
	nested := map[string]uint64{"live": l.LiveArena.Size, "preserved": l.PresArena.Size}
	if l.Root, err = structLayout(root, nested); err != nil {
		return fmt.Errorf("tracker root: %w", err)
	}
	if err := l.Check(); err != nil {
		return err
	}
	s.mu.Lock()
	s.trk.learned, s.trk.rootAddr, s.trk.layout = true, root.Addr, l
	s.mu.Unlock()
	return nil
}

// structLayout turns an evaluated struct into field offsets and sizes. The
// sizes of nested struct fields come from nested (by field name); fields
// whose size cannot be told are left out (the layout check refuses the
// layout if the decoder needs them). The struct's size is its last field's
// end rounded up to 8, as Go lays out structs of 8-byte-aligned fields.
func structLayout(v *api.Variable, nested map[string]uint64) (trackermem.Struct, error) {
	if v.Kind.String() != "struct" {
		return trackermem.Struct{}, fmt.Errorf("%s is a %s, not a struct", v.Type, v.Kind)
	}
	st := trackermem.Struct{Fields: map[string]trackermem.Field{}}
	for _, c := range v.Children {
		if c.Addr < v.Addr {
			return trackermem.Struct{}, fmt.Errorf("%s.%s: address below the struct's", v.Type, c.Name)
		}
		size, ok := nested[c.Name]
		if !ok {
			size, ok = valueSize(c)
		}
		if !ok {
			continue
		}
		f := trackermem.Field{Off: c.Addr - v.Addr, Size: size}
		st.Fields[c.Name] = f
		st.Size = max(st.Size, f.Off+f.Size)
	}
	st.Size = (st.Size + 7) &^ 7
	return st, nil
}

// valueSize is the byte size of a scalar, pointer or array of them.
func valueSize(c api.Variable) (uint64, bool) {
	switch c.Kind.String() {
	case "array":
		t := c.RealType
		i := strings.Index(t, "]")
		if i < 0 || c.Len < 0 {
			return 0, false
		}
		elem, ok := scalarSize(t[i+1:])
		return uint64(c.Len) * elem, ok
	case "ptr", "unsafe.Pointer":
		return 8, true
	}
	return scalarSize(c.RealType)
}

// scalarSize is the byte size of a named integer or pointer type.
func scalarSize(t string) (uint64, bool) {
	switch {
	case strings.HasPrefix(t, "*"), t == "uint64", t == "int64", t == "uintptr", t == "int", t == "uint":
		return 8, true
	case t == "uint32", t == "int32":
		return 4, true
	case t == "uint16", t == "int16":
		return 2, true
	case t == "uint8", t == "int8", t == "byte", t == "bool":
		return 1, true
	}
	return 0, false
}
