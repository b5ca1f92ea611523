package dlvclient

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// pageSize is how many goroutines one ListGoroutines call asks for: paging
// keeps the server's memory flat (see DELVE-NOTES.md).
const pageSize = 1000

// Progress is told how far a long read has come: stage names the step,
// done counts items out of total (total may be an estimate).
type Progress = model.Progress

// Snapshot reads every goroutine of the target, with the runtime reader
// (rtsnapshot.go) wherever the executable is at hand, else with Delve's
// listing (the snapshot's Reader and ReaderNote say which, and why). The
// result is cached until the target runs again.
func (s *Session) Snapshot(ctx context.Context, progress Progress) (*model.Snapshot, error) {
	s.mu.Lock()
	snap, exited := s.snap, s.exited
	s.mu.Unlock()
	if snap != nil {
		return snap, nil
	}
	if exited {
		return nil, ErrExited
	}
	snap, err := s.readSnapshot(ctx, progress, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.snap = snap
	s.mu.Unlock()
	return snap, nil
}

// readSnapshot reads a snapshot, with Delve's listing when listing is set
// or the runtime reader cannot serve the session.
func (s *Session) readSnapshot(ctx context.Context, progress Progress, listing bool) (*model.Snapshot, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	s.adoptLocalExecutable()
	if listing {
		return s.snapshotFromListing(ctx, progress, "")
	}
	rr, err := s.openRuntimeReader()
	if err != nil {
		return s.snapshotFromListing(ctx, progress, "Delve's goroutine listing: the runtime reader cannot serve this session ("+err.Error()+")")
	}
	snap, err := s.snapshotFromRuntime(ctx, rr, progress)
	if errors.Is(err, errNoInProcess) {
		return s.snapshotFromListing(ctx, progress, "Delve's goroutine listing: "+err.Error())
	}
	return snap, err
}

// snapshotFromListing reads a snapshot from Delve's paged listing for
// locations, joined with runtime.g fields read in bulk from raw memory
// (parent id, exact status, wait time). note says why it was used.
func (s *Session) snapshotFromListing(ctx context.Context, progress Progress, note string) (*model.Snapshot, error) {
	rt, err := s.learnRuntime()
	if err != nil {
		return nil, err
	}
	addrs, err := s.allgs(ctx)
	if err != nil {
		return nil, err
	}

	// The raw read and Delve's listing are independent: run them side by
	// side so that JSON decoding on one overlaps server work on the other.
	type rawResult struct {
		gs     []rawG
		labels map[uint64]labelSet // by set address
		err    error
	}
	rawc := make(chan rawResult, 1)
	// The tracker read (if the target uses it) overlaps the listing too.
	type trackerResult struct {
		tr  *model.Tracker
		err error
	}
	trc := make(chan trackerResult, 1)
	go func() {
		tr, err := s.Tracker(ctx)
		trc <- trackerResult{tr, err}
	}()
	go func() {
		gs, err := s.readGs(ctx, rt, addrs, nil)
		var labels map[uint64]labelSet
		if err == nil {
			labels, err = s.readLabels(ctx, rt.labelSet, gs)
		}
		rawc <- rawResult{gs, labels, err}
	}()
	listed, listErr := s.listGoroutines(ctx, len(addrs), progress)
	raw := <-rawc
	tracked := <-trc
	if listErr != nil {
		return nil, listErr
	}
	if raw.err != nil {
		return nil, fmt.Errorf("read runtime.g structs: %w", raw.err)
	}

	byID := make(map[int64]*rawG, len(raw.gs))
	for i := range raw.gs {
		g := &raw.gs[i]
		if g.status != gDead && g.status != gDeadExtra {
			byID[g.goid] = g
		}
	}
	clock := s.clock(raw.gs)
	now := clock.Now
	snap := &model.Snapshot{Target: s.target, Clock: clock, Reader: ReaderDelve, ReaderNote: note}
	// Fill in the listed goroutines in place, dropping the dead ones, so the
	// goroutines are held in memory once.
	kept := listed.goroutines[:0]
	userLocs := map[[2]uint64]model.Location{} // by (user pc, current pc)
	inl := s.inlines()
	for i := range listed.goroutines {
		g := listed.goroutines[i]
		key := [2]uint64{g.Location.PC, g.CurrentLocation.PC}
		if loc, ok := userLocs[key]; ok {
			g.Location = loc
		} else {
			g.Location = userLocation(inl, g.Location, g.CurrentLocation)
			userLocs[key] = g.Location
		}
		if r, ok := byID[g.ID]; ok {
			if r.status == gDeadExtra || r.status == gDead {
				continue
			}
			g.ParentID = r.parentGoid
			g.CgoCallback = isCgoCallbackG(r)
			if g.CgoCallback && g.Start.IsZero() {
				// No go statement started it: C called into Go, through
				// runtime.cgocallback, the outermost frame the runtime
				// shows. Not a system goroutine (the runtime's
				// isSystemGoroutine says no for a zero start pc).
				g.Start, g.System = s.cgoCallbackEntry(), false
			}
			s.fixThreadLocations(&g, r)
			if !g.System && !isUserFunction(g.Location.Function) {
				s.userFrameFromStack(&g)
			}
			s.setLabels(&g, rt, r, raw.labels)
			g.Status = statusName(r.status)
			gid := g.ID
			g.Start = s.startLocation(r.startpc, func(w string) (model.Location, bool) { return s.wrappedFrame(gid, w) }, g.Start)
			if r.status == gWaiting || r.status == gLeaked {
				g.WaitReason = rt.waitReasonText(r.waitReason)
			}
			if r.waitSince != 0 && now > r.waitSince {
				g.Waited = time.Duration(now - r.waitSince)
				g.WaitedAtLeast = clock.LowerBound
				if clock.Before > now {
					g.WaitedAtMost = time.Duration(clock.Before - r.waitSince)
				}
			}
		} else if listed.status[i] == gDeadExtra {
			continue
		} else if listed.status[i] == gWaiting {
			g.WaitReason = rt.waitReasonText(uint64(listed.waitReason[i]))
		}
		kept = append(kept, g)
	}
	snap.Goroutines = kept
	sort.Slice(snap.Goroutines, func(i, j int) bool { return snap.Goroutines[i].ID < snap.Goroutines[j].ID })
	snap.Exited = s.exitedGoroutines(raw.gs)
	s.attachTracker(snap, tracked.tr, tracked.err) // a tracker failure is reported by TrackerError, not fatal
	return snap, nil
}

// setLabels replaces Delve's labels of g (values cut at 64 bytes) with its
// label set as read from memory; where that failed, Delve's stay and
// LabelsIncomplete says why.
func (s *Session) setLabels(g *model.Goroutine, rt *runtimeLayout, r *rawG, sets map[uint64]labelSet) {
	switch {
	case !rt.labelSet.known:
		if delveMayHaveCut(g.Labels) {
			g.LabelsIncomplete = "the label set's layout is unknown: Delve's labels, values cut at 64 bytes"
		}
	case r.labels == 0:
		g.Labels = map[string]string{}
	default:
		set, ok := sets[r.labels]
		switch {
		case !ok:
		case set.err != nil:
			g.LabelsIncomplete = "label set unreadable (" + set.err.Error() + "): Delve's labels, values cut at 64 bytes"
		default:
			g.Labels, g.LabelsIncomplete = set.labels, set.cut
		}
	}
}

// delveMayHaveCut reports labels that Delve's 64-byte limit may have cut.
func delveMayHaveCut(labels map[string]string) bool {
	for k, v := range labels {
		if len(k) >= 64 || len(v) >= 64 {
			return true
		}
	}
	return false
}

// listing is Delve's goroutine listing, converted, with the raw status and
// wait reason Delve saw for each (used when the raw read missed one).
type listing struct {
	goroutines []model.Goroutine
	status     []uint64
	waitReason []int64
}

// listGoroutines pages through Delve's goroutine listing, converting each
// page as it arrives so that Delve's records do not pile up, and sharing one
// copy of each file and function name. total is the number of runtime.g
// records (dead ones included), for progress only.
func (s *Session) listGoroutines(ctx context.Context, total int, progress Progress) (listing, error) {
	all := listing{
		goroutines: make([]model.Goroutine, 0, total),
		status:     make([]uint64, 0, total),
		waitReason: make([]int64, 0, total),
	}
	names := map[string]string{}
	for start := 0; start >= 0; {
		if err := ctx.Err(); err != nil {
			return listing{}, err
		}
		gs, _, next, _, err := s.client.ListGoroutinesWithFilter(start, pageSize, nil, nil, nil)
		if err != nil {
			return listing{}, s.checkExited(fmt.Errorf("list goroutines: %w", err))
		}
		for _, ag := range gs {
			g := convertGoroutine(ag)
			internLocations(names, &g)
			all.goroutines = append(all.goroutines, g)
			all.status = append(all.status, ag.Status&gStatusMask)
			all.waitReason = append(all.waitReason, ag.WaitReason)
		}
		if next > 0 {
			progress("goroutines", next, total)
		}
		if next <= start && next >= 0 {
			return listing{}, fmt.Errorf("list goroutines: server did not advance past position %d", start)
		}
		start = next
	}
	progress("goroutines", total, total)
	return all, nil
}

// internLocations makes g's file and function names share storage with
// every other goroutine's: 100k goroutines have a few hundred distinct names.
func internLocations(names map[string]string, g *model.Goroutine) {
	for _, l := range []*model.Location{&g.CurrentLocation, &g.Location, &g.GoStatement, &g.Start} {
		l.File = intern(names, l.File)
		l.Function = intern(names, l.Function)
	}
}

func intern(names map[string]string, s string) string {
	if v, ok := names[s]; ok {
		return v
	}
	names[s] = s
	return s
}

// convertGoroutine turns Delve's goroutine into the model's.
func convertGoroutine(ag *api.Goroutine) model.Goroutine {
	g := model.Goroutine{
		ID:              ag.ID,
		Status:          statusName(ag.Status & gStatusMask),
		Labels:          ag.Labels,
		CurrentLocation: convertLocation(ag.CurrentLoc),
		Location:        convertLocation(ag.UserCurrentLoc),
		GoStatement:     convertLocation(ag.GoStatementLoc),
		Start:           convertLocation(ag.StartLoc),
		ThreadID:        ag.ThreadID,
		Unreadable:      ag.Unreadable,
	}
	if g.Labels == nil {
		g.Labels = map[string]string{}
	}
	g.System = isSystemStart(g.Start.Function)
	if g.ID == 1 {
		// The main goroutine is started by the runtime's bootstrap code, not
		// by a go statement; the runtime's traceback names no creator either.
		g.GoStatement = model.Location{}
	}
	return g
}

// isSystemStart approximates the runtime's isSystemGoroutine: goroutines
// started at a runtime function other than runtime.main.
func isSystemStart(fn string) bool {
	return (strings.HasPrefix(fn, "runtime.") && fn != "runtime.main") || strings.HasPrefix(fn, "internal/runtime/")
}

func convertLocation(l api.Location) model.Location {
	loc := model.Location{File: l.File, Line: l.Line, PC: l.PC}
	if l.Function != nil {
		loc.Function = l.Function.Name()
	}
	return loc
}

// statusName names a raw runtime status the way the runtime's traceback does.
func statusName(st uint64) string {
	switch st {
	case gIdle:
		return model.StatusIdle
	case gRunnable:
		return model.StatusRunnable
	case gRunning:
		return model.StatusRunning
	case gSyscall:
		return model.StatusSyscall
	case gWaiting:
		return model.StatusWaiting
	case gDead, gDeadExtra:
		return model.StatusDead
	case gCopystack:
		return model.StatusCopystack
	case gPreempted:
		return model.StatusPreempted
	case gLeaked:
		return model.StatusLeaked
	}
	return model.StatusUnknown
}

// cgoCallbackEntry locates runtime.cgocallback, once per session.
func (s *Session) cgoCallbackEntry() model.Location {
	const fn = "runtime.cgocallback"
	if loc, ok := s.starts.get(0); ok { // no start pc is ever 0: the slot is free
		return loc
	}
	loc := s.functionEntry(fn)
	s.starts.put(0, loc)
	return loc
}

// isCgoCallbackG reports the goroutine of an extra M (runtime.oneNewExtraM):
// the only goroutines not made by newproc, so with no go statement and no
// start function.
func isCgoCallbackG(r *rawG) bool {
	return r.gopc == 0 && r.startpc == 0 && r.goid > 1
}

// exitedGoroutines lists dead runtime.g records that still carry the id of
// the goroutine that last ran on them.
func (s *Session) exitedGoroutines(raws []rawG) []model.ExitedGoroutine {
	var out []model.ExitedGoroutine
	for _, r := range raws {
		if r.status == gDeadExtra && r.goid != 0 && isCgoCallbackG(&r) {
			// An extra M's goroutine between callbacks: its id is the
			// next callback's; the record says so and nothing else.
			out = append(out, model.ExitedGoroutine{ID: r.goid, CgoCallback: true})
			continue
		}
		if r.status != gDead || r.goid == 0 {
			continue
		}
		out = append(out, model.ExitedGoroutine{
			ID:          r.goid,
			ParentID:    r.parentGoid,
			GoStatement: s.symbolize(r.gopc, true),
			Start:       s.exitedStartLocation(r.startpc),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// symbolize resolves pc to a location, asking Delve once per distinct pc.
// A return address (isReturn) is moved back into the call instruction.
func (s *Session) symbolize(pc uint64, isReturn bool) model.Location {
	if pc == 0 {
		return model.Location{}
	}
	lookup := pc
	if isReturn {
		lookup--
	}
	loc, ok := s.syms.get(lookup) // keyed by the address looked up
	if !ok {
		locs, _, err := s.client.FindLocation(api.EvalScope{GoroutineID: -1}, fmt.Sprintf("*%#x", lookup), false, nil)
		if err == nil && len(locs) > 0 {
			loc = convertLocation(locs[0])
			if file, line, ok := s.inlines().lineAt(lookup); ok {
				loc.File, loc.Line = file, line // the runtime's line table
			}
		}
		s.syms.put(lookup, loc)
	}
	loc.PC = pc
	return loc
}

// checkExited notes a target that has gone away under an RPC and says so.
func (s *Session) checkExited(err error) error {
	if st, serr := s.client.GetStateNonBlocking(); serr == nil && st.Exited {
		s.mu.Lock()
		s.exited, s.status = true, st.ExitStatus
		s.mu.Unlock()
		return fmt.Errorf("%w (exit status %d)", ErrExited, st.ExitStatus)
	}
	return err
}

// Cached returns the last snapshot if it is still valid, without reading the
// target (nil otherwise): for completion, which must never block.
func (s *Session) Cached() *model.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}
