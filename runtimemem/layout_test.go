package runtimemem_test

import (
	"errors"
	"testing"

	"github.com/dlv-tasks/dlv-tasks/internal/testutil"
	"github.com/dlv-tasks/dlv-tasks/runtimemem"
)

// TestLoadLayout learns the layout of a real executable: every field the
// reader needs is found, inside runtime.g, and the variables have addresses.
func TestLoadLayout(t *testing.T) {
	lay, err := runtimemem.LoadLayout(testutil.BuildTarget(t, "zoo"))
	if err != nil {
		t.Fatal(err)
	}
	g := lay.G
	for name, f := range map[string]runtimemem.Field{
		"stack.lo": g.StackLo, "stack.hi": g.StackHi, "m": g.M, "sched.pc": g.SchedPC, "sched.sp": g.SchedSP, "sched.bp": g.SchedBP,
		"syscallpc": g.SyscallPC, "syscallsp": g.SyscallSP, "syscallbp": g.SyscallBP, "atomicstatus": g.Status, "goid": g.Goid,
		"parentGoid": g.ParentGoid, "gopc": g.GoPC, "startpc": g.StartPC, "waitsince": g.WaitSince, "waitreason": g.WaitReason, "labels": g.Labels,
	} {
		if !f.Known() || f.Offset+f.Size > g.Size {
			t.Errorf("runtime.g field %s: %+v (g is %d bytes)", name, f, g.Size)
		}
	}
	// The runtime's assembly hard-codes these (runtime/runtime2.go).
	if g.StackLo.Offset != 0 || g.StackHi.Offset != 8 || g.Status.Size != 4 || g.WaitReason.Size != 1 {
		t.Errorf("stack at %d/%d, status %d bytes, wait reason %d bytes", g.StackLo.Offset, g.StackHi.Offset, g.Status.Size, g.WaitReason.Size)
	}
	if g.SchedSP.Offset >= g.SchedPC.Offset {
		t.Errorf("gobuf: sp at %d, pc at %d (sp comes first)", g.SchedSP.Offset, g.SchedPC.Offset)
	}
	if !lay.M.ProcID.Known() || !lay.M.CurG.Known() {
		t.Errorf("runtime.m: procid %+v, curg %+v", lay.M.ProcID, lay.M.CurG)
	}
	if !lay.Labels.Known || lay.Labels.ElemSize != 32 {
		t.Errorf("label layout %+v", lay.Labels)
	}
	if lay.AllGs == 0 || lay.WaitReasonStrings == 0 || lay.WaitReasonCount < 30 {
		t.Errorf("allgs at %#x, %d wait reasons at %#x", lay.AllGs, lay.WaitReasonCount, lay.WaitReasonStrings)
	}
}

// TestLoadLayoutNoDWARF: an executable built without DWARF is refused with
// ErrNoDWARF.
func TestLoadLayoutNoDWARF(t *testing.T) {
	_, err := runtimemem.LoadLayout(testutil.BuildTargetFlags(t, "zoo", "-ldflags=-w"))
	if !errors.Is(err, runtimemem.ErrNoDWARF) {
		t.Fatalf("got %v, want ErrNoDWARF", err)
	}
}
