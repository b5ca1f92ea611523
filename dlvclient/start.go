package dlvclient

import (
	"strings"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// startLocation names the function goroutine gid was started with. For
// `go f(args)` the compiler emits a wrapper (`caller.gowrapN`) that calls f;
// Delve names the start after the wrapper's first call instruction, which is
// wrong when f was inlined into the wrapper: the first call is then one of
// f's own calls (time.Sleep, for a job that sleeps). Delve's stacks do show
// inlined frames, so for each distinct wrapper one goroutine's stack is read:
// the frame just above the wrapper's is f. Other start PCs keep Delve's
// answer, as does a goroutine still inside the wrapper itself.
func (s *Session) startLocation(startpc uint64, gid int64, delve model.Location) model.Location {
	if startpc == 0 {
		return delve
	}
	loc, ok := s.starts.get(startpc)
	if ok {
		return loc
	}
	loc = delve
	if wrapper := s.symbolize(startpc, false); strings.Contains(wrapper.Function, ".gowrap") {
		if f, ok := s.wrappedFrame(gid, wrapper.Function); ok {
			loc = f
		}
	}
	s.starts.put(startpc, loc)
	return loc
}

// wrappedFrame finds, in goroutine gid's stack, the frame called by the
// go-statement wrapper: the function the go statement started.
func (s *Session) wrappedFrame(gid int64, wrapper string) (model.Location, bool) {
	frames, err := s.client.Stacktrace(gid, DefaultStackDepth, 0, 0, nil)
	if err != nil {
		return model.Location{}, false
	}
	for i := len(frames) - 1; i > 0; i-- {
		if f := frames[i].Function; f != nil && f.Name() == wrapper {
			return convertLocation(frames[i-1].Location), true
		}
	}
	return model.Location{}, false
}

// exitedStartLocation names the function an exited goroutine was started
// with. There is no stack to read, so a go-statement wrapper is
// disassembled: its first call is either f itself or, when f was inlined
// into the wrapper, one of f's calls, and the executable's inline table then
// names f as the outermost function inlined at that call.
func (s *Session) exitedStartLocation(startpc uint64) model.Location {
	if startpc == 0 {
		return model.Location{}
	}
	loc, ok := s.starts.get(startpc)
	if ok {
		return loc
	}
	loc = s.staticStart(startpc)
	s.starts.put(startpc, loc)
	return loc
}

// staticStart is exitedStartLocation without the cache.
func (s *Session) staticStart(startpc uint64) model.Location {
	loc := s.symbolize(startpc, false)
	if !strings.Contains(loc.Function, ".gowrap") {
		return loc
	}
	insts, err := s.client.DisassemblePC(api.EvalScope{GoroutineID: -1}, startpc, api.GoFlavour)
	if err != nil {
		return loc
	}
	for _, inst := range insts {
		if inst.DestLoc == nil || inst.DestLoc.Function == nil {
			continue
		}
		callee := inst.DestLoc.Function.Name()
		if strings.HasPrefix(callee, "runtime.") {
			continue // stack growth, race or coverage hooks
		}
		if t := s.inlines(); t != nil {
			if calls := t.expand(inst.Loc.PC); len(calls) > 0 {
				return s.functionEntry(calls[len(calls)-1].Function)
			}
		}
		return convertLocation(*inst.DestLoc)
	}
	return loc
}

// functionEntry locates a function by name.
func (s *Session) functionEntry(fn string) model.Location {
	locs, _, err := s.client.FindLocation(api.EvalScope{GoroutineID: -1}, fn, false, nil)
	if err != nil || len(locs) == 0 {
		return model.Location{Function: fn}
	}
	loc := convertLocation(locs[0])
	loc.Function = fn
	return loc
}
