package dlvclient

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/runtimemem"
)

// A snapshot is read by dlv-tasks' own reader of the runtime's structures
// (package runtimemem) wherever the executable is at hand: memory and
// threads come from Delve (in process for the embedded sessions, batched
// ExamineMemory calls for connect), symbols from the executable's own
// tables. Delve's goroutine listing remains for connect sessions whose
// executable is not on this host, and the snapshot says so.

// Readers of a snapshot, as in model.Snapshot.Reader.
const (
	ReaderRuntime = "runtime"
	ReaderDelve   = "delve listing"
)

// runtimeReader is what the runtime reader knows of the executable, opened
// once per session.
type runtimeReader struct {
	lay  *runtimemem.Layout
	syms *runtimemem.Symbols
}

// openRuntimeReader opens the executable's tables once; it returns why the
// runtime reader cannot serve this session.
func (s *Session) openRuntimeReader() (*runtimeReader, error) {
	s.rtOnce.Do(func() {
		if s.target.Executable == "" {
			s.rtErr = errors.New("the target's executable is not on this host")
			return
		}
		lay, err := runtimemem.LoadLayout(s.target.Executable)
		if err != nil {
			s.rtErr = err
			return
		}
		syms, err := runtimemem.OpenSymbols(s.target.Executable)
		if err != nil {
			s.rtErr = err
			return
		}
		s.rtReader = &runtimeReader{lay: lay, syms: syms}
	})
	return s.rtReader, s.rtErr
}

// collectRuntime reads the runtime's structures: through Delve's in-process
// API (the target lock held only while reading) for an embedded session,
// through ExamineMemory for connect.
func (s *Session) collectRuntime(ctx context.Context, rr *runtimeReader, progress Progress) (*runtimemem.Collection, error) {
	opt := runtimeCollectOptions(rr.syms)
	opt.Progress = func(done, total int) { progress("goroutines", done, total) }
	if s.server != nil {
		col, err := s.collectInProcess(ctx, rr, opt)
		if errors.Is(err, errTargetInvalid) {
			// Asked with the target lock released: the state call may need it.
			return nil, s.checkExited(err)
		}
		return col, err
	}
	opt.MaxRead = maxExamine
	threads, err := s.remoteThreads()
	if err != nil {
		return nil, err
	}
	return runtimemem.Collect(ctx, targetMemory{s.memoryClient()}, rr.lay, threads, opt)
}

// runtimeCollectOptions are the runtime reader's options for an embedded
// session (a low-pause snapshot's copy is read as one).
func runtimeCollectOptions(syms *runtimemem.Symbols) runtimemem.Options {
	return runtimemem.Options{Frames: syms, Depth: DefaultStackDepth}
}

// errTargetInvalid is returned when Delve's target is no longer valid (it
// exited).
var errTargetInvalid = errors.New("Delve's target is not valid")

// collectInProcess is collectRuntime for an embedded session: Delve's
// target lock is held while runtimemem reads, and only then.
func (s *Session) collectInProcess(ctx context.Context, rr *runtimeReader, opt runtimemem.Options) (*runtimemem.Collection, error) {
	d, err := inProcessDebugger(s.server)
	if err != nil {
		return nil, err
	}
	tg, unlock := d.LockTargetGroup()
	defer unlock()
	if tg == nil || tg.Selected == nil {
		return nil, errors.New("Delve has no target")
	}
	t := tg.Selected
	if ok, err := t.Valid(); !ok {
		return nil, fmt.Errorf("%w: %v", errTargetInvalid, err)
	}
	var threads []runtimemem.Thread
	for _, th := range t.ThreadList() {
		regs, err := th.Registers()
		if err != nil {
			continue
		}
		threads = append(threads, runtimemem.Thread{ID: th.ThreadID(), PC: regs.PC(), SP: regs.SP(), BP: regs.BP()})
	}
	return runtimemem.Collect(ctx, procMemory{t.Memory()}, rr.lay, threads, opt)
}

// remoteThreads lists the threads of a connect session's target with their
// registers.
func (s *Session) remoteThreads() ([]runtimemem.Thread, error) {
	ths, err := s.client.ListThreads()
	if err != nil {
		return nil, s.checkExited(fmt.Errorf("list threads: %w", err))
	}
	out := make([]runtimemem.Thread, 0, len(ths))
	for _, th := range ths {
		regs, err := s.client.ListThreadRegisters(th.ID, false)
		if err != nil {
			continue
		}
		t := runtimemem.Thread{ID: th.ID, PC: th.PC}
		for _, r := range regs {
			v, err := strconv.ParseUint(strings.TrimPrefix(r.Value, "0x"), 16, 64)
			if err != nil {
				continue
			}
			switch r.Name {
			case "Rsp", "SP", "Sp":
				t.SP = v
			case "Rbp", "X29", "BP":
				t.BP = v
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// snapshotFromRuntime reads a snapshot with the runtime reader.
func (s *Session) snapshotFromRuntime(ctx context.Context, rr *runtimeReader, progress Progress) (*model.Snapshot, error) {
	type trackerResult struct {
		tr  *model.Tracker
		err error
	}
	trc := make(chan trackerResult, 1)
	go func() {
		tr, err := s.Tracker(ctx)
		trc <- trackerResult{tr, err}
	}()
	col, err := s.collectRuntime(ctx, rr, progress)
	if err != nil {
		<-trc // the tracker read must not outlive the snapshot
		if errors.Is(err, runtimemem.ErrNoGoroutines) {
			return nil, ErrRuntimeNotStarted
		}
		return nil, fmt.Errorf("read the runtime's goroutines: %w", err)
	}
	// Only the dead records are kept as rawG (for exitedGoroutines); the
	// clock needs the latest waitsince of the live ones, given as one
	// record: the goroutines are held in memory once, as runtimemem.G.
	var dead []rawG
	var latestWait int64
	live := 0
	for i := range col.Goroutines {
		g := &col.Goroutines[i]
		if g.Dead() {
			dead = append(dead, rawG{addr: g.Addr, goid: g.ID, parentGoid: g.ParentID, gopc: g.GoPC, startpc: g.StartPC, status: uint64(g.Status)})
			continue
		}
		latestWait = max(latestWait, g.WaitSince)
		live++
	}
	var clock model.Clock
	if s.frozen != nil {
		clock = s.frozen.clock // the host's clock at the stop, not a bound
	} else {
		clock = s.clock([]rawG{{status: gWaiting, waitSince: latestWait}})
	}
	snap := &model.Snapshot{Target: s.target, Clock: clock, Reader: ReaderRuntime}
	if s.frozen != nil {
		snap.TargetPaused = s.frozen.stats.Pause
	}
	if col.Corrupt.Total() > 0 {
		snap.ReaderNote = "corrupt runtime structures: " + col.Corrupt.String()
	}
	snap.Goroutines = make([]model.Goroutine, 0, live)
	for i := range col.Goroutines {
		g := &col.Goroutines[i]
		if g.Dead() {
			continue
		}
		snap.Goroutines = append(snap.Goroutines, s.runtimeGoroutine(rr, col, g, clock))
	}
	progress("goroutines", len(col.Goroutines), len(col.Goroutines))
	sort.Slice(snap.Goroutines, func(i, j int) bool { return snap.Goroutines[i].ID < snap.Goroutines[j].ID })
	snap.Exited = s.exitedGoroutines(dead)
	tracked := <-trc
	s.attachTracker(snap, tracked.tr, tracked.err)
	return snap, nil
}

// runtimeGoroutine turns one goroutine as the runtime reader read it into
// the model's, with the conventions of Delve's listing (see DELVE-NOTES.md,
// "The runtime reader").
func (s *Session) runtimeGoroutine(rr *runtimeReader, col *runtimemem.Collection, rg *runtimemem.G, clock model.Clock) model.Goroutine {
	res := rr.syms.ResolveOne(col, rg)
	g := model.Goroutine{
		ID:              rg.ID,
		ParentID:        rg.ParentID,
		Status:          statusName(uint64(rg.Status)),
		CurrentLocation: frameLocation(res.Current),
		Location:        frameLocation(res.User),
		GoStatement:     frameLocation(res.GoStatement),
		Start:           frameLocation(res.Start),
		ThreadID:        rg.ThreadID,
	}
	g.System = isSystemStart(g.Start.Function)
	if g.ID == 1 {
		g.GoStatement = model.Location{} // started by the runtime's bootstrap
	}
	g.CgoCallback = isCgoCallbackG(&rawG{goid: rg.ID, gopc: rg.GoPC, startpc: rg.StartPC})
	if g.CgoCallback && g.Start.IsZero() {
		g.Start, g.System = s.cgoCallbackEntry(), false
	}
	g.Start = s.startLocation(rg.StartPC, func(w string) (model.Location, bool) {
		return s.wrappedFrameIn(rr, col, rg, w)
	}, g.Start)
	if rg.Status == runtimemem.StatusWaiting || rg.Status == runtimemem.StatusLeaked {
		g.WaitReason = col.WaitReason(rg.WaitReason)
	}
	if rg.WaitSince != 0 && clock.Now > rg.WaitSince {
		g.Waited = time.Duration(clock.Now - rg.WaitSince)
		g.WaitedAtLeast = clock.LowerBound
		if clock.Before > clock.Now {
			g.WaitedAtMost = time.Duration(clock.Before - rg.WaitSince)
		}
	}
	g.Labels = noLabels
	switch {
	case rg.Labels == 0:
	case !rr.lay.Labels.Known:
		g.LabelsIncomplete = "the label set's layout is unknown"
	default:
		set, ok := col.LabelSets[rg.Labels]
		switch {
		case !ok:
			g.LabelsIncomplete = "label set not read"
		case set.Err != "":
			g.LabelsIncomplete = "label set unreadable (" + set.Err + ")"
		default:
			g.Labels, g.LabelsIncomplete = set.Labels, set.Cut
		}
	}
	if rg.StackErr != "" && rg.Origin == runtimemem.OriginNone && g.Status != model.StatusRunning {
		g.Unreadable = "stack: " + rg.StackErr
	}
	return g
}

// wrappedFrameIn is wrappedFrame over the runtime reader's stack of rg:
// the function the go statement's wrapper called, found above the
// wrapper's frame (or inlined into it).
func (s *Session) wrappedFrameIn(rr *runtimeReader, col *runtimemem.Collection, rg *runtimemem.G, wrapper string) (model.Location, bool) {
	top, bottom, _ := rr.syms.Stack(col, rg)
	frames := top
	if len(bottom) > 0 {
		frames = append(append([]runtimemem.Frame{}, top...), bottom...)
	}
	for i := len(frames) - 1; i >= 0; i-- {
		if frames[i].Function != wrapper || frames[i].Inlined {
			continue
		}
		if i > 0 && frames[i-1].Inlined && frames[i-1].PC == frames[i].PC {
			// Inlined into the wrapper: the outermost inlined function.
			name := frames[i-1].Function
			if f, ok := rr.syms.Function(name); ok {
				loc := frameLocation(f)
				loc.Function = name
				return loc, true
			}
			return model.Location{Function: name}, true
		}
		for j := i - 1; j >= 0; j-- {
			loc := frameLocation(frames[j])
			if j > 0 && isCompilerWrapper(model.Frame{Location: loc}) {
				continue
			}
			return loc, true
		}
		return model.Location{}, false
	}
	return model.Location{}, false
}

// noLabels is the labels of every goroutine without a label set: one empty
// map shared by all (a snapshot's label maps are read-only; goroutines of
// one label set share its map too).
var noLabels = map[string]string{}

// frameLocation is a runtime reader's frame as a model location.
func frameLocation(f runtimemem.Frame) model.Location {
	return model.Location{Function: f.Function, File: f.File, Line: f.Line, PC: f.PC}
}
