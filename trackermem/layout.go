// Package trackermem decodes the memory of the tracker package
// (github.com/dlv-tasks/dlv-tasks/tracker) as laid out in tracker/LAYOUT.md:
// the root variable, the live task arena, the terminated-task and
// cancellation rings and the preserved arena. It is pure code: it reads the
// target through the Memory interface and takes field offsets from a Layout
// that the caller learned from the target's DWARF, so that it can be tested
// and fuzzed on arbitrary bytes. Every length, count and index read from the
// target is bounded and every record is validated: a record caught mid-write
// or corrupt is skipped and counted, never returned torn.
package trackermem

import (
	"fmt"
	"sort"
)

// Field locates one field inside a struct: byte offset and byte size.
type Field struct {
	Off, Size uint64
}

// end returns Off+Size, or false when it overflows.
func (f Field) end() (uint64, bool) {
	e := f.Off + f.Size
	return e, e >= f.Off
}

// Struct describes one struct type of the tracker: its size (the stride of
// arrays of it) and its fields by Go name.
type Struct struct {
	Size   uint64
	Fields map[string]Field
}

// Layout is the memory layout of the tracker's types in one target, as
// learned from its DWARF (see V1Layout for the documented numbers).
type Layout struct {
	Root         Struct // rootT; "live" and "preserved" locate the arenas
	LiveArena    Struct // liveArena
	PresArena    Struct // presArena
	Ring         Struct // endRing and cancelRing (same fields)
	TaskRecord   Struct // taskRecord
	EndRecord    Struct // endRecord
	CancelRecord Struct // cancelRecord
}

// Documented constants of layout version 1 (tracker/LAYOUT.md).
const (
	Magic         = 0x6b7361742d766c64 // "dlv-task"
	RingMagic     = 0x676e69722d766c64 // "dlv-ring"
	Version       = 1
	NameMax       = 64
	TextMax       = 256
	StackMax      = 32
	LiveChunkLen  = 256
	LiveChunksMax = 4096
	PresChunkLen  = 64
	PresChunksMax = 1024
	// MaxCapacity is the sanity bound on a ring's capacity.
	MaxCapacity = 10_000_000
)

// maxStruct bounds any struct size taken from a Layout.
const maxStruct = 1 << 20

// Required fields of each struct, with their kind: 's' an 8-byte scalar,
// 'b' a byte array, 'p' an array of 8-byte words, 'n' a nested struct.
var (
	rootFields = map[string]byte{
		"magic": 's', "version": 's', "recentNanos": 's', "initNanos": 's', "nameMax": 's',
		"textMax": 's', "stackMax": 's', "liveChunkLen": 's', "liveChunksMax": 's',
		"presChunkLen": 's', "presChunksMax": 's', "lastTaskID": 's', "lastCtxID": 's',
		"lastGroupID": 's', "goidOffset": 's', "ended": 's', "cancels": 's', "live": 'n', "preserved": 'n',
	}
	liveArenaFields = map[string]byte{"nchunks": 's', "used": 's', "count": 's', "dropped": 's', "chunks": 'p'}
	presArenaFields = map[string]byte{"nchunks": 's', "reserved": 's', "dropped": 's', "chunks": 'p'}
	ringFields      = map[string]byte{"magic": 's', "capacity": 's', "writeIndex": 's', "recs": 's'}
	taskFields      = map[string]byte{
		"seq": 's', "id": 's', "parentID": 's', "goid": 's', "groupID": 's', "ctxID": 's',
		"startNanos": 's', "flags": 's', "nameLen": 's', "groupNameLen": 's', "npcs": 's',
		"name": 'b', "groupName": 'b', "pcs": 'p',
	}
	endFields = map[string]byte{
		"seq": 's', "index": 's', "id": 's', "parentID": 's', "goid": 's', "groupID": 's',
		"ctxID": 's', "startNanos": 's', "endNanos": 's', "outcome": 's', "flags": 's',
		"nameLen": 's', "groupNameLen": 's', "textLen": 's', "npcs": 's', "panicNpcs": 's',
		"name": 'b', "groupName": 'b', "text": 'b', "pcs": 'p', "panicPCs": 'p',
	}
	cancelFields = map[string]byte{
		"seq": 's', "index": 's', "ctxID": 's', "parentCtxID": 's', "how": 's', "goid": 's',
		"taskID": 's', "nanos": 's', "causeLen": 's', "npcs": 's', "cause": 'b', "pcs": 'p',
	}
)

// V1Layout returns the layout documented in tracker/LAYOUT.md for 64-bit
// targets. Readers take offsets from DWARF; this is for cross-checks and
// tests.
func V1Layout() Layout {
	seq := func(size uint64, names ...string) Struct {
		s := Struct{Size: size, Fields: map[string]Field{}}
		var off uint64
		for i := 0; i+1 < len(names); i += 2 {
			var n uint64
			fmt.Sscan(names[i+1], &n)
			s.Fields[names[i]] = Field{Off: off, Size: n}
			off += n
		}
		return s
	}
	return Layout{
		Root: seq(41152, "magic", "8", "version", "8", "recentNanos", "8", "initNanos", "8",
			"nameMax", "8", "textMax", "8", "stackMax", "8", "liveChunkLen", "8", "liveChunksMax", "8",
			"presChunkLen", "8", "presChunksMax", "8", "lastTaskID", "8", "lastCtxID", "8",
			"lastGroupID", "8", "goidOffset", "8", "ended", "8", "cancels", "8",
			"live", "32800", "preserved", "8216"),
		LiveArena: seq(32800, "nchunks", "8", "used", "8", "count", "8", "dropped", "8", "chunks", "32768"),
		PresArena: seq(8216, "nchunks", "8", "reserved", "8", "dropped", "8", "chunks", "8192"),
		Ring:      seq(32, "magic", "8", "capacity", "8", "writeIndex", "8", "recs", "8"),
		TaskRecord: seq(472, "seq", "8", "id", "8", "parentID", "8", "goid", "8", "groupID", "8",
			"ctxID", "8", "startNanos", "8", "flags", "8", "nameLen", "8", "groupNameLen", "8",
			"npcs", "8", "name", "64", "groupName", "64", "pcs", "256"),
		EndRecord: seq(1024, "seq", "8", "index", "8", "id", "8", "parentID", "8", "goid", "8",
			"groupID", "8", "ctxID", "8", "startNanos", "8", "endNanos", "8", "outcome", "8",
			"flags", "8", "nameLen", "8", "groupNameLen", "8", "textLen", "8", "npcs", "8",
			"panicNpcs", "8", "name", "64", "groupName", "64", "text", "256", "pcs", "256", "panicPCs", "256"),
		CancelRecord: seq(592, "seq", "8", "index", "8", "ctxID", "8", "parentCtxID", "8", "how", "8",
			"goid", "8", "taskID", "8", "nanos", "8", "causeLen", "8", "npcs", "8", "cause", "256", "pcs", "256"),
	}
}

// check verifies that s has every field of want, each inside the struct and
// of a plausible size for its kind.
func (s Struct) check(name string, want map[string]byte) error {
	if s.Size == 0 || s.Size > maxStruct {
		return fmt.Errorf("%s: implausible size %d", name, s.Size)
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, ok := s.Fields[n]
		if !ok {
			return fmt.Errorf("%s: no field %s", name, n)
		}
		e, ok := f.end()
		if !ok || e > s.Size {
			return fmt.Errorf("%s.%s: [%d, +%d) outside the struct (size %d)", name, n, f.Off, f.Size, s.Size)
		}
		switch want[n] {
		case 's':
			if f.Size != 8 {
				return fmt.Errorf("%s.%s: size %d, want 8", name, n, f.Size)
			}
		case 'b':
			if f.Size == 0 {
				return fmt.Errorf("%s.%s: empty array", name, n)
			}
		case 'p':
			if f.Size == 0 || f.Size%8 != 0 {
				return fmt.Errorf("%s.%s: size %d is not a whole number of words", name, n, f.Size)
			}
		}
	}
	return nil
}

// Check verifies that the layout is complete and self-consistent: every
// field the decoder reads exists, lies inside its struct and has the size
// its type needs, and the arenas fit inside the root. A Layout that passes
// Check can be decoded with on any bytes without going out of bounds.
func (l *Layout) Check() error {
	for _, c := range []struct {
		name string
		s    Struct
		want map[string]byte
	}{
		{"rootT", l.Root, rootFields}, {"liveArena", l.LiveArena, liveArenaFields},
		{"presArena", l.PresArena, presArenaFields}, {"ring", l.Ring, ringFields},
		{"taskRecord", l.TaskRecord, taskFields}, {"endRecord", l.EndRecord, endFields},
		{"cancelRecord", l.CancelRecord, cancelFields},
	} {
		if err := c.s.check(c.name, c.want); err != nil {
			return fmt.Errorf("tracker layout: %w", err)
		}
	}
	for _, a := range []struct {
		field string
		s     Struct
	}{{"live", l.LiveArena}, {"preserved", l.PresArena}} {
		f := l.Root.Fields[a.field]
		if f.Size < a.s.Size {
			return fmt.Errorf("tracker layout: rootT.%s is %d bytes, its type %d", a.field, f.Size, a.s.Size)
		}
	}
	return nil
}

// span returns the number of bytes of the root that the decoder reads: up
// to the end of the last field it uses.
func (l *Layout) span() uint64 {
	var hi uint64
	for n := range rootFields {
		e, _ := l.Root.Fields[n].end()
		hi = max(hi, e)
	}
	return hi
}
