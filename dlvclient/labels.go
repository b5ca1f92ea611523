package dlvclient

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/go-delve/delve/service/api"
)

// Labels are read from the runtime's own label set (runtime.g.labels points
// at it), not through Delve's listing, which cuts values at 64 bytes and
// merges keys that share a 64-byte prefix. Every length read is bounded.
const (
	// maxLabels is the most labels read of one goroutine.
	maxLabels = 1000
	// maxLabelString is the most bytes read of one label key or value.
	maxLabelString = 64 << 10
	// labelReadAhead is how far past a requested range a label read goes,
	// so that a set, its list and its strings (allocated together) come in
	// one call.
	labelReadAhead = 1 << 10
)

// labelLayout is where a label set keeps its list of labels, learned from
// the target's DWARF through Delve's type casts.
type labelLayout struct {
	known    bool
	listOff  uint64 // offset of the []Label slice header in the set
	elemSize uint64 // size of one Label
	keyOff   uint64 // offset of Key (a string header) in a Label
	valueOff uint64 // offset of Value
}

// labelSetTypes are the label set types of the runtimes Delve reads: Go 1.26
// and later, then Go 1.24–1.25 (runtime/pprof's labelMap embedding LabelSet).
var labelSetTypes = []string{"internal/runtime/pprof/label.Set", "runtime/pprof.labelMap"}

// learnLabelLayout evaluates the label set type at addr (any readable
// address: only the fields' offsets are used).
func (s *Session) learnLabelLayout(addr uint64) labelLayout {
	scope := api.EvalScope{GoroutineID: -1}
	cfg := api.LoadConfig{MaxVariableRecurse: 3, MaxStructFields: -1}
	for _, typ := range labelSetTypes {
		set, err := s.client.EvalVariable(scope, fmt.Sprintf("*(*%q)(%#x)", typ, addr), cfg)
		if err != nil {
			continue
		}
		list := findSliceField(*set, 3)
		if list == nil {
			continue
		}
		elemType := strings.TrimPrefix(list.RealType, "[]")
		elem, err := s.client.EvalVariable(scope, fmt.Sprintf("*(*%q)(%#x)", elemType, addr), cfg)
		if err != nil || len(elem.Children) != 2 {
			continue
		}
		k, v := elem.Children[0], elem.Children[1]
		if k.Kind.String() != "string" || v.Kind.String() != "string" {
			continue
		}
		return labelLayout{
			known:    true,
			listOff:  list.Addr - set.Addr,
			keyOff:   k.Addr - elem.Addr,
			valueOff: v.Addr - elem.Addr,
			elemSize: max(k.Addr, v.Addr) - elem.Addr + 16, // two string headers
		}
	}
	return labelLayout{}
}

// findSliceField finds the first slice among v's fields, depth first.
func findSliceField(v api.Variable, depth int) *api.Variable {
	for i := range v.Children {
		c := &v.Children[i]
		if c.Kind.String() == "slice" {
			return c
		}
		if depth > 0 && c.Kind.String() == "struct" {
			if f := findSliceField(*c, depth-1); f != nil {
				return f
			}
		}
	}
	return nil
}

// labelSet is one goroutine's labels as read, with what could not be read.
type labelSet struct {
	labels map[string]string
	// cut says what was left out, "" when the set was read whole.
	cut string
	err error
}

// memWindows reads target memory for the label reader, reusing what an
// earlier read (with its read-ahead) already fetched.
type memWindows struct {
	read   func(addr uint64, n int) ([]byte, error)
	chunks []memChunk // the latest few reads
}

type memChunk struct {
	addr uint64
	data []byte
}

func (m *memWindows) bytes(addr uint64, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	for _, c := range m.chunks {
		if addr >= c.addr && addr+uint64(n) <= c.addr+uint64(len(c.data)) && addr+uint64(n) >= addr {
			off := addr - c.addr
			return c.data[off : off+uint64(n)], nil
		}
	}
	size := min(n+labelReadAhead, maxExamine)
	if n > size {
		size = n
	}
	data, err := m.read(addr, size)
	if err != nil || len(data) < n {
		// The read-ahead may run into unmapped memory: the exact range.
		if data, err = m.read(addr, n); err != nil {
			return nil, err
		}
		if len(data) < n {
			return nil, fmt.Errorf("short read at %#x: %d of %d bytes", addr, len(data), n)
		}
	}
	m.chunks = append(m.chunks, memChunk{addr, data})
	if len(m.chunks) > 8 {
		m.chunks = m.chunks[1:]
	}
	return data[:n], nil
}

// readExamine reads n bytes at addr in calls of at most 64 KiB.
func readExamine(examine func(uint64, int) ([]byte, bool, error)) func(uint64, int) ([]byte, error) {
	return func(addr uint64, n int) ([]byte, error) {
		out := make([]byte, 0, n)
		for len(out) < n {
			size := min(n-len(out), maxExamine)
			b, _, err := examine(addr+uint64(len(out)), size)
			if err != nil {
				return nil, err
			}
			if len(b) == 0 {
				break
			}
			out = append(out, b...)
		}
		return out, nil
	}
}

// readLabelSet decodes the label set at addr. Lengths beyond the bounds are
// cut (and said so); unreadable memory is an error.
func readLabelSet(m *memWindows, lay labelLayout, addr uint64) labelSet {
	hdr, err := m.bytes(addr+lay.listOff, 24)
	if err != nil {
		return labelSet{err: fmt.Errorf("label set at %#x: %w", addr, err)}
	}
	list := binary.LittleEndian.Uint64(hdr)
	n := binary.LittleEndian.Uint64(hdr[8:])
	capacity := binary.LittleEndian.Uint64(hdr[16:])
	if n > capacity || (n > 0 && list == 0) {
		return labelSet{err: fmt.Errorf("label set at %#x: corrupt list (len %d, cap %d, at %#x)", addr, n, capacity, list)}
	}
	var cuts []string
	if n > maxLabels {
		cuts = append(cuts, fmt.Sprintf("%d labels, the first %d read", n, maxLabels))
		n = maxLabels
	}
	out := labelSet{labels: make(map[string]string, n)}
	if n == 0 {
		return out
	}
	elems, err := m.bytes(list, int(n*lay.elemSize))
	if err != nil {
		return labelSet{err: fmt.Errorf("label list at %#x: %w", list, err)}
	}
	str := func(h []byte) (string, bool, error) {
		p, l := binary.LittleEndian.Uint64(h), binary.LittleEndian.Uint64(h[8:])
		cut := false
		if l > maxLabelString {
			l, cut = maxLabelString, true
		}
		if l > 0 && p == 0 {
			return "", false, fmt.Errorf("nil string of length %d", l)
		}
		b, err := m.bytes(p, int(l))
		return string(b), cut, err
	}
	for i := uint64(0); i < n; i++ {
		e := elems[i*lay.elemSize:]
		k, kcut, err := str(e[lay.keyOff:])
		if err != nil {
			return labelSet{err: fmt.Errorf("label %d key: %w", i, err)}
		}
		v, vcut, err := str(e[lay.valueOff:])
		if err != nil {
			return labelSet{err: fmt.Errorf("label %q value: %w", k, err)}
		}
		if kcut || vcut {
			cuts = append(cuts, fmt.Sprintf("label %q cut at %d bytes", k, maxLabelString))
		}
		out.labels[k] = v
	}
	out.cut = strings.Join(cuts, "; ")
	return out
}

// readLabels reads the label sets of the goroutines in raws, once per
// distinct set (children of pprof.Do share their parent's). It returns them
// by set address.
func (s *Session) readLabels(ctx context.Context, lay labelLayout, raws []rawG) (map[uint64]labelSet, error) {
	out := map[uint64]labelSet{}
	if !lay.known {
		return out, nil
	}
	mem := s.memoryClient()
	m := &memWindows{read: readExamine(mem.ExamineMemory)}
	for _, r := range raws {
		if r.labels == 0 || r.status == gDead || r.status == gDeadExtra {
			continue
		}
		if _, ok := out[r.labels]; ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[r.labels] = readLabelSet(m, lay, r.labels)
	}
	return out, nil
}
