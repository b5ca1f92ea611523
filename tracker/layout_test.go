package tracker

import (
	"testing"
	"unsafe"
)

// TestLayoutSizes pins the sizes and offsets documented in LAYOUT.md.
func TestLayoutSizes(t *testing.T) {
	checks := []struct {
		what      string
		got, want uintptr
	}{
		{"sizeof taskRecord", unsafe.Sizeof(taskRecord{}), 472},
		{"sizeof endRecord", unsafe.Sizeof(endRecord{}), 1024},
		{"sizeof cancelRecord", unsafe.Sizeof(cancelRecord{}), 592},
		{"sizeof liveChunk", unsafe.Sizeof(liveChunk{}), 472 * liveChunkLen},
		{"sizeof presChunk", unsafe.Sizeof(presChunk{}), 1024 * presChunkLen},
		{"sizeof endRing", unsafe.Sizeof(endRing{}), 32},
		{"sizeof cancelRing", unsafe.Sizeof(cancelRing{}), 32},
		{"taskRecord.seq", unsafe.Offsetof(taskRecord{}.seq), 0},
		{"taskRecord.name", unsafe.Offsetof(taskRecord{}.name), 88},
		{"taskRecord.pcs", unsafe.Offsetof(taskRecord{}.pcs), 216},
		{"endRecord.name", unsafe.Offsetof(endRecord{}.name), 128},
		{"endRecord.text", unsafe.Offsetof(endRecord{}.text), 256},
		{"endRecord.pcs", unsafe.Offsetof(endRecord{}.pcs), 512},
		{"endRecord.panicPCs", unsafe.Offsetof(endRecord{}.panicPCs), 768},
		{"cancelRecord.cause", unsafe.Offsetof(cancelRecord{}.cause), 80},
		{"cancelRecord.pcs", unsafe.Offsetof(cancelRecord{}.pcs), 336},
		{"rootT.magic", unsafe.Offsetof(rootT{}.magic), 0},
		{"rootT.ended", unsafe.Offsetof(rootT{}.ended), 120},
		{"rootT.cancels", unsafe.Offsetof(rootT{}.cancels), 128},
		{"rootT.live", unsafe.Offsetof(rootT{}.live), 136},
		{"rootT.preserved", unsafe.Offsetof(rootT{}.preserved), 32936},
		{"rootT.internal", unsafe.Offsetof(rootT{}.internal), 41152},
		{"liveArena.chunks", unsafe.Offsetof(liveArena{}.chunks), 32},
		{"presArena.chunks", unsafe.Offsetof(presArena{}.chunks), 24},
		{"endRing.recs", unsafe.Offsetof(endRing{}.recs), 24},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, LAYOUT.md says %d", c.what, c.got, c.want)
		}
	}
	if root.magic != magicValue || root.version != layoutVersion {
		t.Fatalf("root header = %#x v%d", root.magic, root.version)
	}
	if string((*[8]byte)(unsafe.Pointer(&root.magic))[:]) != "dlv-task" {
		t.Fatalf("magic bytes = %q", (*[8]byte)(unsafe.Pointer(&root.magic))[:])
	}
}

// TestTaskStructSize keeps the per-task allocation, which also holds the task's pprof
// labels, in the 176-byte size class (it is on the spawn path of every task; 177 bytes
// would cost the next class, 192).
func TestTaskStructSize(t *testing.T) {
	if got := unsafe.Sizeof(task{}); got > 176 {
		t.Errorf("sizeof task = %d, want <= 176", got)
	}
}
