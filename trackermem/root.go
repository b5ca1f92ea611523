package trackermem

import (
	"encoding/binary"
	"fmt"
)

// Root is the decoded tracker root (rootT) with its arenas' directories.
type Root struct {
	Version     uint64
	RecentNanos int64
	InitNanos   int64
	Limits      Limits
	GoidOffset  int64
	// Ended and Cancels are the addresses of the two rings.
	Ended, Cancels uint64
	Live           LiveArena
	Preserved      PresArena
}

// LiveArena is the decoded live arena header. Chunks holds the chunk
// addresses that can hold used slots (bounded by NChunks and the maximum).
type LiveArena struct {
	NChunks, Used, Count, Dropped uint64
	Chunks                        []uint64
}

// PresArena is the decoded preserved arena header.
type PresArena struct {
	NChunks, Reserved, Dropped uint64
	Chunks                     []uint64
}

// Ring is a decoded endRing or cancelRing header.
type Ring struct {
	Capacity, WriteIndex, Recs uint64
}

// DecodeRoot decodes the root from b (at least the layout's root span) and
// checks its magic, version and constants against the documented values and
// the array sizes of the layout.
func DecodeRoot(l *Layout, b []byte) (Root, error) {
	if err := l.Check(); err != nil {
		return Root{}, err
	}
	if uint64(len(b)) < l.span() {
		return Root{}, fmt.Errorf("tracker root: %d bytes, need %d", len(b), l.span())
	}
	f := l.Root.Fields
	get := func(n string) uint64 { return u64(b, f[n]) }
	if m := get("magic"); m != Magic {
		return Root{}, fmt.Errorf("tracker root: magic %#x, want %#x (not a tracker, or corrupt memory)", m, uint64(Magic))
	}
	if v := get("version"); v != Version {
		return Root{}, fmt.Errorf("tracker root: layout version %d, this reader knows version %d", v, Version)
	}
	t, e, c := l.TaskRecord.Fields, l.EndRecord.Fields, l.CancelRecord.Fields
	la, pa := l.LiveArena.Fields, l.PresArena.Fields
	for _, k := range []struct {
		name  string
		want  uint64
		sizes []uint64 // array sizes from the layout that must agree
	}{
		{"nameMax", NameMax, []uint64{t["name"].Size, t["groupName"].Size, e["name"].Size, e["groupName"].Size}},
		{"textMax", TextMax, []uint64{e["text"].Size, c["cause"].Size}},
		{"stackMax", StackMax, []uint64{t["pcs"].Size / 8, e["pcs"].Size / 8, e["panicPCs"].Size / 8, c["pcs"].Size / 8}},
		{"liveChunkLen", LiveChunkLen, nil},
		{"liveChunksMax", LiveChunksMax, []uint64{la["chunks"].Size / 8}},
		{"presChunkLen", PresChunkLen, nil},
		{"presChunksMax", PresChunksMax, []uint64{pa["chunks"].Size / 8}},
	} {
		v := get(k.name)
		if v != k.want {
			return Root{}, fmt.Errorf("tracker root: %s is %d, layout version 1 says %d (corrupt memory?)", k.name, v, k.want)
		}
		for _, s := range k.sizes {
			if s != k.want {
				return Root{}, fmt.Errorf("tracker root: %s is %d but the debug info has arrays of %d", k.name, v, s)
			}
		}
	}
	r := Root{
		Version:     Version,
		RecentNanos: int64(get("recentNanos")),
		InitNanos:   int64(get("initNanos")),
		Limits:      Limits{LastTaskID: get("lastTaskID"), LastCtxID: get("lastCtxID"), LastGroupID: get("lastGroupID")},
		GoidOffset:  int64(get("goidOffset")),
		Ended:       get("ended"),
		Cancels:     get("cancels"),
	}
	live := b[f["live"].Off:]
	r.Live = LiveArena{NChunks: u64(live, la["nchunks"]), Used: u64(live, la["used"]), Count: u64(live, la["count"]), Dropped: u64(live, la["dropped"])}
	// Chunks that can hold used slots: ceil(used/len), within nchunks and the directory.
	n := min(r.Live.NChunks, LiveChunksMax, r.Live.Used/LiveChunkLen+1)
	r.Live.Chunks = words(live, la["chunks"], n)
	pres := b[f["preserved"].Off:]
	r.Preserved = PresArena{NChunks: u64(pres, pa["nchunks"]), Reserved: u64(pres, pa["reserved"]), Dropped: u64(pres, pa["dropped"])}
	n = min(r.Preserved.NChunks, PresChunksMax, r.Preserved.Reserved/PresChunkLen+1)
	r.Preserved.Chunks = words(pres, pa["chunks"], n)
	return r, nil
}

// words returns the first n 8-byte words of array field f.
func words(b []byte, f Field, n uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[f.Off+8*uint64(i):])
	}
	return out
}

// DecodeRing decodes a ring header from b and checks its magic and capacity.
func DecodeRing(l *Layout, b []byte) (Ring, error) {
	if uint64(len(b)) < l.Ring.Size {
		return Ring{}, fmt.Errorf("tracker ring: %d bytes, need %d", len(b), l.Ring.Size)
	}
	f := l.Ring.Fields
	if m := u64(b, f["magic"]); m != RingMagic {
		return Ring{}, fmt.Errorf("tracker ring: magic %#x, want %#x", m, uint64(RingMagic))
	}
	r := Ring{Capacity: u64(b, f["capacity"]), WriteIndex: u64(b, f["writeIndex"]), Recs: u64(b, f["recs"])}
	if r.Capacity < 1 || r.Capacity > MaxCapacity {
		return Ring{}, fmt.Errorf("tracker ring: implausible capacity %d", r.Capacity)
	}
	if r.Recs == 0 {
		return Ring{}, fmt.Errorf("tracker ring: nil records")
	}
	return r, nil
}
