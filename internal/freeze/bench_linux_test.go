//go:build linux && amd64

package freeze

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"
)

// gLayout is what the benchmark needs of the runtime's structures, read from
// the target's DWARF: the size of a runtime.g and where in it the stack
// bounds and the saved stack pointer are.
type gLayout struct {
	allgs   uint64 // address of the runtime.allgs slice header (ELF symbol)
	size    uint64 // sizeof(runtime.g)
	stackHi uint64 // offset of g.stack.hi
	schedSP uint64 // offset of g.sched.sp
}

func loadLayout(tb testing.TB, exe string) gLayout {
	tb.Helper()
	ef, err := elf.Open(exe)
	if err != nil {
		tb.Fatal(err)
	}
	defer ef.Close()
	var l gLayout
	syms, err := ef.Symbols()
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == "runtime.allgs" {
			l.allgs = s.Value
		}
	}
	d, err := ef.DWARF()
	if err != nil {
		tb.Fatal(err)
	}
	structs := map[string]*dwarf.StructType{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			tb.Fatal(err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if name != "runtime.g" && name != "runtime.stack" && name != "runtime.gobuf" {
			r.SkipChildren()
			continue
		}
		typ, err := d.Type(e.Offset)
		if err != nil {
			tb.Fatal(err)
		}
		structs[name] = typ.(*dwarf.StructType)
		r.SkipChildren()
	}
	field := func(st, name string) uint64 {
		s := structs[st]
		if s == nil {
			tb.Fatalf("no %s in the DWARF of %s", st, exe)
		}
		for _, f := range s.Field {
			if f.Name == name {
				return uint64(f.ByteOffset)
			}
		}
		tb.Fatalf("no field %s in %s", name, st)
		return 0
	}
	l.size = uint64(structs["runtime.g"].ByteSize)
	l.stackHi = field("runtime.g", "stack") + field("runtime.stack", "hi")
	l.schedSP = field("runtime.g", "sched") + field("runtime.gobuf", "sp")
	if l.allgs == 0 || l.size == 0 {
		tb.Fatalf("layout of %s: %+v", exe, l)
	}
	return l
}

// span is a range to copy, before its buffer is allocated.
type span struct{ addr, len uint64 }

// coalesce sorts spans and merges those less than slack bytes apart (the
// gap is copied too: g's sit in a size class a little larger than a g) into
// ranges of at most maxLen bytes (a longer span stays whole).
func coalesce(spans []span, maxLen, slack uint64) []span {
	slices.SortFunc(spans, func(a, b span) int {
		switch {
		case a.addr < b.addr:
			return -1
		case a.addr > b.addr:
			return 1
		}
		return 0
	})
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 {
			last := &out[n-1]
			end := last.addr + last.len
			if s.addr <= end+slack && s.addr+s.len-last.addr <= maxLen {
				last.len = max(end, s.addr+s.len) - last.addr
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// toRanges makes a Range of each span, their buffers cut from one
// allocation.
func toRanges(spans []span) ([]Range, uint64) {
	var total uint64
	for _, s := range spans {
		total += s.len
	}
	buf := make([]byte, total)
	rs := make([]Range, len(spans))
	for i, s := range spans {
		rs[i] = Range{Addr: s.addr, Buf: buf[:s.len:s.len]}
		buf = buf[s.len:]
	}
	return rs, total
}

// copyResult is what one snapshot copied.
type copyResult struct {
	gs     int
	bytes  uint64
	ranges int
	bad    int // ranges that could not be read
}

// copySnapshot copies, from a frozen Go process, allgs, every g and the
// used part of every goroutine's stack (from g.sched.sp to g.stack.hi, at
// most 4 KiB): what a reader needs to list the goroutines with their top
// frames. It allocates the buffers for g's and stacks while frozen, as a
// reader that does not know the counts beforehand must.
func copySnapshot(f *Frozen, l gLayout) (copyResult, error) {
	const chunk = 64 << 10
	var res copyResult
	hdr := make([]byte, 24)
	if err := f.ReadMemory(hdr, l.allgs); err != nil {
		return res, fmt.Errorf("allgs header: %w", err)
	}
	ptr, n := binary.LittleEndian.Uint64(hdr), binary.LittleEndian.Uint64(hdr[8:])
	if n == 0 || n > 50_000_000 {
		return res, fmt.Errorf("allgs has %d entries", n)
	}
	var spans []span
	for off := uint64(0); off < n*8; off += chunk {
		spans = append(spans, span{ptr + off, min(chunk, n*8-off)})
	}
	rs, total := toRanges(spans)
	if err := f.ReadRanges(rs); err != nil {
		return res, fmt.Errorf("allgs array: %w", err)
	}
	res.bytes, res.ranges = total, len(rs)
	gptrs := make([]uint64, 0, n)
	for _, r := range rs {
		for i := 0; i+8 <= len(r.Buf); i += 8 {
			gptrs = append(gptrs, binary.LittleEndian.Uint64(r.Buf[i:]))
		}
	}
	res.gs = len(gptrs)

	spans = spans[:0]
	for _, g := range gptrs {
		if g != 0 {
			spans = append(spans, span{g, l.size})
		}
	}
	grs, total := toRanges(coalesce(spans, chunk, 256))
	res.bytes += total
	res.ranges += len(grs)
	if err := f.ReadRanges(grs); err != nil {
		return res, fmt.Errorf("g's: %w", err)
	}

	// Find each g in the copied ranges (both are sorted) and take its stack.
	slices.Sort(gptrs)
	spans = spans[:0]
	k := 0
	for _, g := range gptrs {
		if g == 0 {
			continue
		}
		for k < len(grs) && grs[k].Addr+uint64(len(grs[k].Buf)) <= g {
			k++
		}
		if k == len(grs) || grs[k].Addr > g || grs[k].Err != nil {
			continue
		}
		b := grs[k].Buf[g-grs[k].Addr:]
		sp := binary.LittleEndian.Uint64(b[l.schedSP:])
		hi := binary.LittleEndian.Uint64(b[l.stackHi:])
		if sp == 0 || sp >= hi || hi-sp > 1<<30 {
			continue // running, dead, or not a stack we can trust
		}
		spans = append(spans, span{sp, min(hi-sp, 4096)})
	}
	srs, total := toRanges(coalesce(spans, chunk, 256))
	res.bytes += total
	res.ranges += len(srs)
	if err := f.ReadRanges(srs); err != nil {
		for _, r := range srs {
			if r.Err != nil {
				res.bad++
			}
		}
	}
	return res, nil
}

// BenchmarkFreezeCopy freezes a pausemeter target with 20k and 100k parked
// goroutines, copies allgs, the g's and the stack tops, and thaws it. Beside
// ns/op it reports the pause as the freezer measured it (and, within it, the
// time until every thread had stopped), the longest gap
// the target's own 1 ms meter saw (which also catches any pause the freezer
// missed), the bytes copied and the ranges they were copied in.
func BenchmarkFreezeCopy(b *testing.B) {
	for _, n := range []int{20_000, 100_000} {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			mt := startMeter(b, "-n", fmt.Sprint(n))
			l := loadLayout(b, fmt.Sprintf("/proc/%d/exe", mt.pid))
			mt.report(b) // a fresh measurement from here
			var pauses, gaps, stops []time.Duration
			var res copyResult
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f, err := Freeze(mt.pid)
				if err != nil {
					b.Fatal(err)
				}
				res, err = copySnapshot(f, l)
				if terr := f.Thaw(); terr != nil {
					b.Fatal(terr)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				pauses = append(pauses, f.Pause())
				stops = append(stops, f.StopLatency())
				gaps = append(gaps, mt.report(b).gap)
				b.StartTimer()
			}
			b.StopTimer()
			if res.gs < n {
				b.Fatalf("copied %d g's, want at least the %d workers", res.gs, n)
			}
			slices.Sort(pauses)
			slices.Sort(gaps)
			slices.Sort(stops)
			ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
			b.ReportMetric(ms(pauses[len(pauses)/2]), "pause-ms")
			b.ReportMetric(ms(pauses[len(pauses)-1]), "maxpause-ms")
			b.ReportMetric(ms(stops[len(stops)/2]), "stop-ms")
			b.ReportMetric(ms(gaps[len(gaps)/2]), "gap-ms")
			b.ReportMetric(ms(gaps[len(gaps)-1]), "maxgap-ms")
			b.ReportMetric(float64(res.bytes)/1e6, "MB-copied")
			b.ReportMetric(float64(res.ranges), "ranges")
			b.ReportMetric(float64(res.gs), "gs")
			b.ReportMetric(float64(res.bad), "bad-ranges")
		})
	}
}
