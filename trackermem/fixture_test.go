package trackermem

import (
	"encoding/binary"
	"fmt"
)

// image is a fake target memory: one contiguous byte range at base.
type image struct {
	base uint64
	b    []byte
}

func (m *image) ReadMemory(p []byte, addr uint64) error {
	if addr < m.base || addr-m.base > uint64(len(m.b)) || uint64(len(p)) > uint64(len(m.b))-(addr-m.base) {
		return fmt.Errorf("unmapped %#x+%d", addr, len(p))
	}
	copy(p, m.b[addr-m.base:])
	return nil
}

func put(b []byte, f Field, v uint64) { binary.LittleEndian.PutUint64(b[f.Off:], v) }

func putBytes(b []byte, f Field, s string) { copy(b[f.Off:f.Off+f.Size], s) }

func putWords(b []byte, f Field, ws []uint64) {
	for i, w := range ws {
		binary.LittleEndian.PutUint64(b[f.Off+8*uint64(i):], w)
	}
}

// taskSpec is a task or end record to encode; zero lengths default to the
// strings' and slices' lengths.
type taskSpec struct {
	seq, id, parent, goid, group, ctx uint64
	start                             int64
	flags                             uint64
	name, groupName                   string
	pcs                               []uint64
}

type endSpec struct {
	taskSpec
	index    uint64
	end      int64
	outcome  uint64
	text     string
	panicPCs []uint64
}

type cancelSpec struct {
	seq, index, ctx, parent, how, goid, task uint64
	nanos                                    int64
	cause                                    string
	pcs                                      []uint64
}

func encodeTask(l *Layout, b []byte, t taskSpec) {
	f := l.TaskRecord.Fields
	encodeCommon(b, f, t)
}

func encodeCommon(b []byte, f map[string]Field, t taskSpec) {
	put(b, f["seq"], t.seq)
	put(b, f["id"], t.id)
	put(b, f["parentID"], t.parent)
	put(b, f["goid"], t.goid)
	put(b, f["groupID"], t.group)
	put(b, f["ctxID"], t.ctx)
	put(b, f["startNanos"], uint64(t.start))
	put(b, f["flags"], t.flags)
	put(b, f["nameLen"], uint64(min(len(t.name), 64)))
	put(b, f["groupNameLen"], uint64(len(t.groupName)))
	put(b, f["npcs"], uint64(len(t.pcs)))
	putBytes(b, f["name"], t.name)
	putBytes(b, f["groupName"], t.groupName)
	putWords(b, f["pcs"], t.pcs)
}

func encodeEnd(l *Layout, b []byte, e endSpec) {
	f := l.EndRecord.Fields
	encodeCommon(b, f, e.taskSpec)
	put(b, f["index"], e.index)
	put(b, f["endNanos"], uint64(e.end))
	put(b, f["outcome"], e.outcome)
	put(b, f["textLen"], uint64(min(len(e.text), 256)))
	put(b, f["panicNpcs"], uint64(len(e.panicPCs)))
	putBytes(b, f["text"], e.text)
	putWords(b, f["panicPCs"], e.panicPCs)
}

func encodeCancel(l *Layout, b []byte, c cancelSpec) {
	f := l.CancelRecord.Fields
	put(b, f["seq"], c.seq)
	put(b, f["index"], c.index)
	put(b, f["ctxID"], c.ctx)
	put(b, f["parentCtxID"], c.parent)
	put(b, f["how"], c.how)
	put(b, f["goid"], c.goid)
	put(b, f["taskID"], c.task)
	put(b, f["nanos"], uint64(c.nanos))
	put(b, f["causeLen"], uint64(len(c.cause)))
	put(b, f["npcs"], uint64(len(c.pcs)))
	putBytes(b, f["cause"], c.cause)
	putWords(b, f["pcs"], c.pcs)
}

// fixture describes a whole tracker to lay out in one image.
type fixture struct {
	recent, init                 int64
	lastTask, lastCtx, lastGroup uint64
	live                         []taskSpec // slots 0..; seq 0 + id 0 leaves a free slot
	liveDropped                  uint64
	endCap, endWrite             uint64
	ends                         map[uint64]endSpec // by slot
	pres                         []endSpec          // slots 0..
	presDropped                  uint64
	cancelCap, cancelWrite       uint64
	cancels                      map[uint64]cancelSpec // by slot
}

const fixtureBase = 0x7f0000000000

// offsets of the fixture's parts inside the image.
// The rings and records start right after the root span (41152 bytes in
// layout version 1), so that compact can drop the root's mostly empty chunk
// directories.
const (
	offEndRing    = 41152
	offCancelRing = offEndRing + 32
	offLive       = offCancelRing + 32
)

// compactDirs is how many entries of each chunk directory compact keeps.
const compactDirs = 8

// compactHeader lists the byte ranges of the root that compact keeps: the
// scalars, the arena headers and the first entries of the directories.
func compactHeader(l *Layout) [][2]uint64 {
	live, pres := l.Root.Fields["live"].Off, l.Root.Fields["preserved"].Off
	lc, pc := l.LiveArena.Fields["chunks"].Off, l.PresArena.Fields["chunks"].Off
	return [][2]uint64{{0, live}, {live, live + lc + 8*compactDirs}, {pres, pres + pc + 8*compactDirs}}
}

// compact turns a fixture image into a short fuzz input: the kept root
// ranges followed by everything after the root span.
func compact(l *Layout, m *image) []byte {
	var out []byte
	for _, r := range compactHeader(l) {
		out = append(out, m.b[r[0]:r[1]]...)
	}
	return append(out, m.b[l.span():]...)
}

// expand is the inverse of compact for any input: missing bytes are zero.
func expand(l *Layout, data []byte) *image {
	hdr := compactHeader(l)
	var n uint64
	for _, r := range hdr {
		n += r[1] - r[0]
	}
	tail := []byte{}
	if uint64(len(data)) > n {
		tail = data[n:]
	}
	b := make([]byte, l.span()+uint64(len(tail)))
	for _, r := range hdr {
		k := copy(b[r[0]:r[1]], data)
		data = data[k:]
	}
	copy(b[l.span():], tail)
	return &image{base: fixtureBase, b: b}
}

// build lays the fixture out: root, ring headers, live records, ring
// records, preserved records.
func (fx fixture) build(l *Layout) *image {
	liveSize := uint64(len(fx.live)) * l.TaskRecord.Size
	endOff := uint64(offLive) + liveSize
	cancelOff := endOff + fx.endCap*l.EndRecord.Size
	presOff := cancelOff + fx.cancelCap*l.CancelRecord.Size
	size := presOff + uint64(len(fx.pres))*l.EndRecord.Size
	m := &image{base: fixtureBase, b: make([]byte, size)}
	b := m.b
	r := l.Root.Fields
	put(b, r["magic"], Magic)
	put(b, r["version"], Version)
	put(b, r["recentNanos"], uint64(fx.recent))
	put(b, r["initNanos"], uint64(fx.init))
	for n, v := range map[string]uint64{"nameMax": NameMax, "textMax": TextMax, "stackMax": StackMax,
		"liveChunkLen": LiveChunkLen, "liveChunksMax": LiveChunksMax, "presChunkLen": PresChunkLen, "presChunksMax": PresChunksMax} {
		put(b, r[n], v)
	}
	put(b, r["lastTaskID"], fx.lastTask)
	put(b, r["lastCtxID"], fx.lastCtx)
	put(b, r["lastGroupID"], fx.lastGroup)
	put(b, r["goidOffset"], 152)
	put(b, r["ended"], fixtureBase+offEndRing)
	put(b, r["cancels"], fixtureBase+offCancelRing)
	live := b[r["live"].Off:]
	la := l.LiveArena.Fields
	if len(fx.live) > 0 {
		put(live, la["nchunks"], 1)
		put(live, la["chunks"], fixtureBase+offLive)
	}
	put(live, la["used"], uint64(len(fx.live)))
	put(live, la["dropped"], fx.liveDropped)
	for i, t := range fx.live {
		encodeTask(l, b[offLive+uint64(i)*l.TaskRecord.Size:], t)
	}
	rf := l.Ring.Fields
	for _, rg := range []struct {
		off, capacity, write, recs uint64
	}{{offEndRing, fx.endCap, fx.endWrite, endOff}, {offCancelRing, fx.cancelCap, fx.cancelWrite, cancelOff}} {
		put(b[rg.off:], rf["magic"], RingMagic)
		put(b[rg.off:], rf["capacity"], rg.capacity)
		put(b[rg.off:], rf["writeIndex"], rg.write)
		put(b[rg.off:], rf["recs"], fixtureBase+rg.recs)
	}
	for slot, e := range fx.ends {
		encodeEnd(l, b[endOff+slot*l.EndRecord.Size:], e)
	}
	for slot, c := range fx.cancels {
		encodeCancel(l, b[cancelOff+slot*l.CancelRecord.Size:], c)
	}
	pres := b[r["preserved"].Off:]
	pa := l.PresArena.Fields
	if len(fx.pres) > 0 {
		put(pres, pa["nchunks"], 1)
		put(pres, pa["chunks"], fixtureBase+presOff)
	}
	put(pres, pa["reserved"], uint64(len(fx.pres)))
	put(pres, pa["dropped"], fx.presDropped)
	for i, e := range fx.pres {
		encodeEnd(l, b[presOff+uint64(i)*l.EndRecord.Size:], e)
	}
	return m
}
