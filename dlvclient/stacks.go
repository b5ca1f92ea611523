package dlvclient

import (
	"context"
	"strings"
	"sync"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// WholeStackDepth is the depth to read a stack to when its bottom matters
// (grouping by origin or by stack): deep enough for all but runaway
// recursion, which then shows as cut.
const WholeStackDepth = 512

// stackReaders is how many Stacktrace calls Stacks keeps in flight: Delve
// serves one connection's calls in order, so this overlaps the decoding of
// one answer with the walk of the next, no more.
const stackReaders = 4

// Stacks reads the stacks of goroutines ids, each to at most depth frames
// (DefaultStackDepth when depth <= 0), with several calls in flight. A
// stack that could not be read is returned with Unreadable set; once ctx is
// done the remaining ones are "interrupted". Every id is in the result.
func (s *Session) Stacks(ctx context.Context, ids []int64, depth int) map[int64]model.Stack {
	s.primeDelveGoroutines() // before the readers start, once
	out := make(map[int64]model.Stack, len(ids))
	var mu sync.Mutex
	work := make(chan int64)
	var wg sync.WaitGroup
	for range min(stackReaders, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				var st model.Stack
				if ctx.Err() != nil {
					st.Unreadable = "interrupted"
				} else if frames, more, err := s.StackCut(id, depth); err != nil {
					st.Unreadable = err.Error()
				} else {
					st.Frames, st.More = frames, more
				}
				mu.Lock()
				out[id] = st
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return out
}

// primeDelveGoroutines has Delve parse every goroutine of this stop once,
// before the first stack of the stop is read.
// Delve finds the goroutine of each Stacktrace call in its goroutine cache;
// without it, FindGoroutine parses runtime.allgs from the start, ten at a
// time, up to the goroutine asked for — so stacks of n goroutines cost n²/2
// parses (5,000 stacks: 30 s). The runtime reader does not fill Delve's
// cache, so one listing with a filter no goroutine passes does: Delve
// parses every g and answers with nothing.
func (s *Session) primeDelveGoroutines() {
	s.mu.Lock()
	done := s.delveGoroutinesCached
	s.mu.Unlock()
	if done {
		return
	}
	none := api.ListGoroutinesFilter{Kind: api.GoroutineLabel, Arg: "dlv-tasks.no-such-label\x00=\x00"}
	if _, _, _, _, err := s.client.ListGoroutinesWithFilter(0, 0, []api.ListGoroutinesFilter{none}, nil, nil); err != nil {
		return // the stacks are read all the same, only slower
	}
	s.mu.Lock()
	s.delveGoroutinesCached = true
	s.mu.Unlock()
}

// IndirectCalls reports which of pcs, return addresses of stack frames,
// return from an indirect call: a call through a function value or an
// interface (amd64: CALL r/m, opcode FF /2; arm64: BLR), as opposed to a
// call of a named function. A pc whose call cannot be found or decoded is
// left out (not indirect). Each function is disassembled once.
func (s *Session) IndirectCalls(pcs []uint64) map[uint64]bool {
	out := map[uint64]bool{}
	type span struct{ lo, hi uint64 }
	var done []struct {
		span
		insts api.AsmInstructions
	}
	find := func(pc uint64) api.AsmInstructions {
		for _, d := range done {
			if pc > d.lo && pc <= d.hi {
				return d.insts
			}
		}
		return nil
	}
	for _, pc := range pcs {
		if pc == 0 {
			continue
		}
		insts := find(pc)
		if insts == nil {
			var err error
			insts, err = s.client.DisassemblePC(api.EvalScope{GoroutineID: -1}, pc-1, api.GoFlavour)
			if err != nil || len(insts) == 0 {
				continue
			}
			last := insts[len(insts)-1]
			done = append(done, struct {
				span
				insts api.AsmInstructions
			}{span{insts[0].Loc.PC, last.Loc.PC + uint64(len(last.Bytes))}, insts})
		}
		for _, inst := range insts {
			if inst.Loc.PC+uint64(len(inst.Bytes)) == pc {
				if isIndirectCall(inst) {
					out[pc] = true
				}
				break
			}
		}
	}
	return out
}

// isIndirectCall decodes a call instruction: true for an indirect call.
func isIndirectCall(inst api.AsmInstruction) bool {
	if !strings.HasPrefix(inst.Text, "CALL") {
		return false
	}
	b := inst.Bytes
	if len(b) == 4 {
		// arm64: BLR Xn is 1101011000111111000000nnnnn00000.
		w := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		if w&0xFFFFFC1F == 0xD63F0000 {
			return true
		}
	}
	// amd64: skip legacy prefixes and REX, then CALL r/m is FF with ModRM
	// reg field 2 (CALL rel32, E8, is direct).
	i := 0
	for i < len(b) && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xF2 || b[i] == 0xF3 ||
		b[i] == 0x2E || b[i] == 0x3E || b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65 ||
		(b[i] >= 0x40 && b[i] <= 0x4F)) {
		i++
	}
	return i+1 < len(b) && b[i] == 0xFF && (b[i+1]>>3)&7 == 2
}
