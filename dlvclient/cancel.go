package dlvclient

import (
	"fmt"
	"strings"

	"github.com/go-delve/delve/service/api"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// CancelPathLocation is the function every cancellation of a standard
// context runs, once per context: a parent's cancel calls it again for each
// child, on the same goroutine (Go 1.21 to 1.26; the receiver is c).
const CancelPathLocation = "context.(*cancelCtx).cancel"

// maxCancelWatch bounds how many contexts one BreakOnCancel condition names.
const maxCancelWatch = 64

// BreakOnCancelName is the name BreakOnCancel gives its breakpoint for
// goroutine gid, so that it can be cleared by name. Delve accepts only
// letters and digits in breakpoint names: "cancel12", not "cancel-12".
func BreakOnCancelName(gid int64) string { return fmt.Sprintf("cancel%d", gid) }

// BreakOnCancel sets a breakpoint that stops a live target at the moment
// the context held by goroutine gid — or any context it derives from — is
// cancelled: a conditional breakpoint on CancelPathLocation whose condition
// matches the receiver against the addresses of the cancelable contexts
// (cancelCtx, timerCtx, afterFuncCtx) that are not cancelled yet on gid's
// context paths, up to a WithoutCancel (see Contexts). At the stop the
// selected goroutine is the canceller, in its own stack; each further
// Continue stops at the next hop as the cancellation propagates from parent
// to child. The breakpoint is named BreakOnCancelName(gid) and replaces an
// earlier one of that name.
func (s *Session) BreakOnCancel(gid int64) (Breakpoint, error) {
	if err := s.requireLive(); err != nil {
		return Breakpoint{}, err
	}
	chains, err := s.Contexts(gid)
	if err != nil {
		return Breakpoint{}, fmt.Errorf("break on cancel of goroutine %d: %w", gid, err)
	}
	addrs := cancelableAddrs(chains)
	if len(addrs) == 0 {
		return Breakpoint{}, fmt.Errorf("break on cancel of goroutine %d: it holds no context that can still be cancelled (%d context paths found)", gid, len(chains))
	}
	if len(addrs) > maxCancelWatch {
		addrs = addrs[:maxCancelWatch]
	}
	name := BreakOnCancelName(gid)
	if _, err := s.client.GetBreakpointByName(name); err == nil {
		if _, err := s.client.ClearBreakpointByName(name); err != nil {
			return Breakpoint{}, fmt.Errorf("break on cancel of goroutine %d: replace %s: %w", gid, name, err)
		}
	}
	bp, err := s.client.CreateBreakpointWithExpr(&api.Breakpoint{Name: name, Cond: CancelCondition(addrs)}, CancelPathLocation, nil, false)
	if err != nil {
		return Breakpoint{}, fmt.Errorf("break on cancel of goroutine %d: %w", gid, err)
	}
	return convertBreakpoint(bp), nil
}

// CancelCondition is the breakpoint condition, evaluated by Delve in the
// frame of CancelPathLocation, that holds when the receiver is one of addrs.
func CancelCondition(addrs []uint64) string {
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = fmt.Sprintf("uintptr(c) == %#x", a)
	}
	return strings.Join(parts, " || ")
}

// cancelableAddrs returns, in path order without duplicates, the addresses
// of the cancelCtx values (also the first field of timerCtx and
// afterFuncCtx) that are not cancelled yet on the chains.
func cancelableAddrs(chains []model.ContextChain) []uint64 {
	seen := map[uint64]bool{}
	var out []uint64
	for _, c := range chains {
		for _, n := range c.Path {
			if n.Type == typWithout {
				break
			}
			if n.Type != typCancel && n.Type != typTimer && n.Type != typAfterFunc {
				continue
			}
			if n.Err != "" || n.Addr == 0 || seen[n.Addr] {
				continue
			}
			seen[n.Addr] = true
			out = append(out, n.Addr)
		}
	}
	return out
}
