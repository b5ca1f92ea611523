package runtimemem

import (
	"context"
	"encoding/binary"
	"runtime"
	"testing"
	"time"
)

// fuzzMemory is a target memory of arbitrary bytes at base; reads outside
// it fail.
type fuzzMemory struct {
	base uint64
	data []byte
}

func (m fuzzMemory) ReadMemory(p []byte, addr uint64) error {
	if addr < m.base || addr-m.base > uint64(len(m.data)) || uint64(len(p)) > uint64(len(m.data))-(addr-m.base) {
		return errUnmapped
	}
	copy(p, m.data[addr-m.base:])
	return nil
}

// fuzzLayout is a plausible runtime layout over a small memory: allgs at
// base, g fields as Go 1.26 places them, a label set layout.
func fuzzLayout(base uint64) *Layout {
	f := func(off, size uint64) Field { return Field{Offset: off, Size: size} }
	return &Layout{
		G: GLayout{Size: 448, StackLo: f(0, 8), StackHi: f(8, 8), M: f(48, 8), SchedPC: f(64, 8), SchedSP: f(56, 8), SchedBP: f(104, 8),
			SyscallSP: f(112, 8), SyscallPC: f(120, 8), SyscallBP: f(128, 8), Status: f(144, 4), Goid: f(152, 8),
			WaitSince: f(168, 8), WaitReason: f(176, 1), ParentGoid: f(280, 8), GoPC: f(288, 8), StartPC: f(304, 8), Labels: f(344, 8)},
		M:                 MLayout{ProcID: f(72, 8), CurG: f(192, 8)},
		Labels:            LabelLayout{Known: true, ListOffset: 0, ElemSize: 32, KeyOffset: 0, ValueOffset: 16},
		AllGs:             base,
		WaitReasonStrings: base + 24,
		WaitReasonCount:   4,
	}
}

// fuzzFrames is a frame table that knows every pc, with frame sizes from
// the pc's low bits.
type fuzzFrames struct{}

func (fuzzFrames) FrameSize(pc uint64) (uint64, bool) { return (pc & 0x38), pc&1 == 0 }
func (fuzzFrames) IsSignalTrampoline(pc uint64) bool  { return pc&0xff == 0x40 }

// FuzzCollect runs Collect over arbitrary memory: it must return (an error
// or a collection) without panicking, within bounded work and memory, and
// every stack it reports must lie within its goroutine's bounds.
func FuzzCollect(f *testing.F) {
	const base = 0x10000
	seed := make([]byte, 4096)
	// allgs = {base+64, 2, 2}; two g pointers; one g at base+512.
	binary.LittleEndian.PutUint64(seed[0:], base+64)
	binary.LittleEndian.PutUint64(seed[8:], 2)
	binary.LittleEndian.PutUint64(seed[16:], 2)
	binary.LittleEndian.PutUint64(seed[64:], base+512)
	binary.LittleEndian.PutUint64(seed[72:], base+1024)
	g := seed[512:]
	binary.LittleEndian.PutUint64(g[0:], base+2048)   // stack.lo
	binary.LittleEndian.PutUint64(g[8:], base+4096)   // stack.hi
	binary.LittleEndian.PutUint64(g[56:], base+2100)  // sched.sp
	binary.LittleEndian.PutUint64(g[64:], 0x401000)   // sched.pc
	binary.LittleEndian.PutUint64(g[104:], base+2200) // sched.bp
	binary.LittleEndian.PutUint32(g[144:], StatusWaiting)
	binary.LittleEndian.PutUint64(g[152:], 7)
	binary.LittleEndian.PutUint64(g[344:], base+3000) // labels
	f.Add(seed, uint8(0))
	f.Add(seed, uint8(1))
	f.Add(make([]byte, 64), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		if len(data) > 1<<16 {
			return
		}
		mem := fuzzMemory{base: base, data: data}
		opt := Options{MaxRead: 4096, Depth: 8, MaxFrames: 64, StackWindow: 256, MaxGoroutines: 1 << 12, MaxWork: 1 << 20}
		if mode&1 != 0 {
			opt.Frames = fuzzFrames{}
		}
		var threads []Thread
		if mode&2 != 0 {
			threads = []Thread{{ID: 1, PC: 0x401000, SP: base + 2100, BP: base + 2200}}
		}
		watchdog := time.AfterFunc(3*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("Collect took over 3s:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		col, err := Collect(context.Background(), mem, fuzzLayout(base), threads, opt)
		watchdog.Stop()
		if err != nil {
			return
		}
		if len(col.Goroutines) > opt.MaxGoroutines {
			t.Fatalf("%d goroutines over the bound %d", len(col.Goroutines), opt.MaxGoroutines)
		}
		for i := range col.Goroutines {
			g := &col.Goroutines[i]
			top, bottom := col.PCs(g)
			if len(top) > opt.Depth+1 || len(bottom) > BottomDepth || g.Frames > opt.MaxFrames+2 {
				t.Fatalf("goroutine %d: %d+%d pcs, %d frames: over the bounds", g.ID, len(top), len(bottom), g.Frames)
			}
		}
		for _, s := range col.LabelSets {
			if len(s.Labels) > maxLabels {
				t.Fatalf("%d labels over the bound", len(s.Labels))
			}
		}
	})
}
