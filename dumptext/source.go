package dumptext

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// ErrNoContexts is returned by Source.Contexts: a dump prints no variables.
var ErrNoContexts = errors.New("a goroutine dump holds no variables: contexts need a live process or a core")

// Source serves one dump to the query layer (it implements query.Source)
// and, refusing every command that needs a process with
// model.ErrDumpNotLive, to the terminal (terminal.Session).
type Source struct {
	dump *Dump
	snap *model.Snapshot
	// byID indexes dump.Goroutines.
	byID map[int64]*Goroutine
	// ancestors reports whether any goroutine has ancestor sections
	// (GODEBUG=tracebackancestors=N was set).
	ancestors bool
	// takenAt is when the dump was written, zero when not known.
	takenAt time.Time
}

// NewSource returns a Source over d; target describes where it was read
// from (Kind model.KindDump, Core the file or URL).
func NewSource(d *Dump, target model.Target) *Source {
	s := &Source{dump: d, snap: d.Snapshot(target), byID: make(map[int64]*Goroutine, len(d.Goroutines))}
	for i := range d.Goroutines {
		g := &d.Goroutines[i]
		s.byID[g.ID] = g
		if len(g.Ancestors) > 0 {
			s.ancestors = true
		}
	}
	return s
}

// Parsed returns the dump served.
func (s *Source) Parsed() *Dump { return s.dump }

// Snapshot returns the dump's snapshot.
func (s *Source) Snapshot(context.Context, model.Progress) (*model.Snapshot, error) {
	return s.snap, nil
}

// Cached returns the dump's snapshot.
func (s *Source) Cached() *model.Snapshot { return s.snap }

// Tracker returns nil, nil: a dump holds no tracker records.
func (s *Source) Tracker(context.Context) (*model.Tracker, error) { return nil, nil }

// TrackerHistory returns nil, nil: a dump holds no tracker records.
func (s *Source) TrackerHistory(context.Context) (*model.Tracker, error) { return nil, nil }

// SetTakenAt records when the dump was written (a file's modification
// time, a fetch's time), for the rates of a diff.
func (s *Source) SetTakenAt(t time.Time) { s.takenAt = t }

// SnapshotTime is when the dump was written, if known (query.CoreClock).
func (s *Source) SnapshotTime() (time.Time, bool) { return s.takenAt, !s.takenAt.IsZero() }

// TrackerError is nil: a dump carries no tracker memory to fail reading.
func (s *Source) TrackerError() error { return nil }

// Stack returns the printed stack of goroutine id, at most depth frames.
func (s *Source) Stack(id int64, depth int) ([]model.Frame, error) {
	fs, _, err := s.StackCut(id, depth)
	return fs, err
}

// StackCut is Stack; more is true when the stack is deeper than depth, or
// the runtime elided frames from it (the frame above the elision says how
// many). A stack the runtime did not print ("running on other thread") has
// no frames.
func (s *Source) StackCut(id int64, depth int) ([]model.Frame, bool, error) {
	g := s.byID[id]
	if g == nil {
		return nil, false, fmt.Errorf("goroutine %d: %w", id, model.ErrUnknownGoroutine)
	}
	if g.StackUnavailable {
		// No frames, no error: where still shows the goroutine (its
		// Unreadable says why) and its creation chain.
		return nil, false, nil
	}
	st := s.stack(g, depth)
	return st.Frames, st.More, nil
}

func (s *Source) stack(g *Goroutine, depth int) model.Stack {
	if depth <= 0 {
		depth = model.DefaultStackDepth
	}
	fs := g.Frames
	more := g.Cut()
	if len(fs) > depth {
		fs, more = fs[:depth], true
	}
	if g.Elided != 0 && g.ElidedAt > 0 && g.ElidedAt <= len(fs) {
		out := make([]model.Frame, len(fs))
		copy(out, fs)
		if g.Elided > 0 {
			out[g.ElidedAt-1].Err = fmt.Sprintf("%d frames elided below by the runtime's traceback", g.Elided)
		} else {
			out[g.ElidedAt-1].Err = "frames elided below by the runtime's traceback"
		}
		fs = out
	}
	return model.Stack{Frames: fs, More: more}
}

// Stacks returns the printed stacks of ids, depth frames each; goroutines
// whose stack was not printed are left out.
func (s *Source) Stacks(ctx context.Context, ids []int64, depth int) map[int64]model.Stack {
	out := make(map[int64]model.Stack, len(ids))
	for i, id := range ids {
		if i%4096 == 0 && ctx.Err() != nil {
			return out
		}
		if g := s.byID[id]; g != nil && !g.StackUnavailable {
			out[id] = s.stack(g, depth)
		}
	}
	return out
}

// IndirectCalls returns nil: without the binary's code no call site is
// known to be indirect.
func (s *Source) IndirectCalls([]uint64) map[uint64]bool { return nil }

// AncestorsOf returns the ancestor sections of ids; enabled is false when
// the dump has none at all (the target ran without
// GODEBUG=tracebackancestors=N).
func (s *Source) AncestorsOf(ids []int64) (map[int64][]model.Ancestor, bool) {
	records := map[int64][]model.Ancestor{}
	if !s.ancestors {
		return records, false
	}
	for _, id := range ids {
		if g := s.byID[id]; g != nil && len(g.Ancestors) > 0 {
			records[id] = ancestorsOf(g, model.MaxAncestors, model.AncestorStackMax)
		}
	}
	return records, true
}

// Ancestors returns goroutine id's ancestor sections, n of them, depth
// frames each.
func (s *Source) Ancestors(id int64, n, depth int) ([]model.Ancestor, bool, error) {
	g := s.byID[id]
	if g == nil {
		return nil, s.ancestors, fmt.Errorf("goroutine %d: %w", id, model.ErrUnknownGoroutine)
	}
	if !s.ancestors {
		return nil, false, nil
	}
	return ancestorsOf(g, n, depth), true, nil
}

func ancestorsOf(g *Goroutine, n, depth int) []model.Ancestor {
	as := g.Ancestors
	if n > 0 && len(as) > n {
		as = as[:n]
	}
	out := make([]model.Ancestor, len(as))
	for i, a := range as {
		fs := a.Frames
		if depth > 0 && len(fs) > depth {
			fs = fs[:depth]
		}
		out[i] = model.Ancestor{ID: a.ID, Stack: fs}
	}
	return out
}

// Contexts fails with ErrNoContexts.
func (s *Source) Contexts(gid int64) ([]model.ContextChain, error) {
	if s.byID[gid] == nil {
		return nil, fmt.Errorf("goroutine %d: %w", gid, model.ErrUnknownGoroutine)
	}
	return nil, fmt.Errorf("contexts of goroutine %d: %w", gid, ErrNoContexts)
}

// Live returns false: nothing can run.
func (s *Source) Live() bool { return false }

// Continue fails: nothing can run.
func (s *Source) Continue() (model.StopState, error) { return model.StopState{}, model.ErrDumpNotLive }

// Halt fails: nothing can run.
func (s *Source) Halt() (model.StopState, error) { return model.StopState{}, model.ErrDumpNotLive }

// Next fails: nothing can run.
func (s *Source) Next() (model.StopState, error) { return model.StopState{}, model.ErrDumpNotLive }

// Step fails: nothing can run.
func (s *Source) Step() (model.StopState, error) { return model.StopState{}, model.ErrDumpNotLive }

// StepOut fails: nothing can run.
func (s *Source) StepOut() (model.StopState, error) { return model.StopState{}, model.ErrDumpNotLive }

// State names the goroutine the dump printed first (the crashing or
// dumping one) and where it was.
func (s *Source) State() (model.StopState, error) {
	if len(s.dump.Goroutines) == 0 {
		return model.StopState{}, nil
	}
	g := s.snap.Goroutine(s.dump.Goroutines[0].ID)
	return model.StopState{GoroutineID: g.ID, Location: g.CurrentLocation}, nil
}

// SwitchGoroutine fails: a dump has no selected goroutine to act on.
func (s *Source) SwitchGoroutine(int64) (model.StopState, error) {
	return model.StopState{}, model.ErrDumpNotLive
}

// Break fails: nothing can run.
func (s *Source) Break(string, string) (model.Breakpoint, error) {
	return model.Breakpoint{}, model.ErrDumpNotLive
}

// Breakpoints returns none.
func (s *Source) Breakpoints() ([]model.Breakpoint, error) { return nil, nil }

// ClearBreakpoint fails: there are none.
func (s *Source) ClearBreakpoint(string) (model.Breakpoint, error) {
	return model.Breakpoint{}, model.ErrDumpNotLive
}

// Eval fails: a dump prints no variables.
func (s *Source) Eval(int64, int, string) (string, error) { return "", model.ErrDumpNotLive }

// Dump fails: there is no process to write a core of.
func (s *Source) Dump(string) error { return model.ErrDumpNotLive }

// BreakOnCancel fails: nothing can run.
func (s *Source) BreakOnCancel(int64) (model.Breakpoint, error) {
	return model.Breakpoint{}, model.ErrDumpNotLive
}

// CancelTask fails: nothing can run.
func (s *Source) CancelTask(uint64) (bool, error) { return false, model.ErrDumpNotLive }
