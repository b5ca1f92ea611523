package dlvclient

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

func TestValueParent(t *testing.T) {
	types := map[uint64]string{0x500: "*context.cancelCtx"}
	typeOf := func(tab uint64) (string, error) {
		if typ, ok := types[tab]; ok {
			return typ, nil
		}
		return "", errors.New("unknown itab")
	}
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, 0x500)
	binary.LittleEndian.PutUint64(b[8:], 0xc000010000)
	p, more, err := valueParent(b, typeOf)
	if err != nil || !more || p != (ctxRef{"*context.cancelCtx", 0xc000010000}) {
		t.Fatalf("got %v %v %v", p, more, err)
	}
	if _, more, err := valueParent(make([]byte, 16), typeOf); err != nil || more {
		t.Errorf("nil parent: %v %v", more, err)
	}
	binary.LittleEndian.PutUint64(b, 0)
	if _, _, err := valueParent(b, typeOf); err == nil {
		t.Error("data without a type accepted")
	}
	if _, _, err := valueParent(b[:8], typeOf); err == nil {
		t.Error("short interface accepted")
	}
}

// graphReader builds a context graph from bytes: node i (address 8*i) has
// 3 bytes: its parent's index, a flag byte (bit 0: has a parent, bit 1:
// unreadable, bit 2: cancelled).
func graphReader(data []byte) func(ctxRef) ctxMemo {
	return func(k ctxRef) ctxMemo {
		i := int(k.addr / 8)
		node := model.ContextNode{Type: k.typ, Addr: k.addr}
		if 3*i+2 >= len(data) || k.addr%8 != 0 {
			node.Unreadable = "unmapped"
			return ctxMemo{node: node}
		}
		parent, flags := data[3*i], data[3*i+2]
		if flags&2 != 0 {
			node.Unreadable = "input/output error"
			return ctxMemo{node: node}
		}
		if flags&4 != 0 {
			node.Err = "context canceled"
		}
		return ctxMemo{node: node, parent: ctxRef{typValue, 8 * uint64(parent)}, more: flags&1 != 0}
	}
}

func TestWalkPath(t *testing.T) {
	never := func(ctxRef) (ctxMemo, bool) { return ctxMemo{}, false }
	later := time.Now().Add(time.Hour)
	// 0 -> 1 -> 2 (root, cancelled)
	path, inc := walkPath(ctxRef{typValue, 0}, 100, later, never, graphReader([]byte{1, 0, 1, 2, 0, 1, 0, 0, 4}))
	if len(path) != 3 || inc != "" || firstCancelled(path) != 2 {
		t.Errorf("chain: %d nodes, %q, cancelled %d", len(path), inc, firstCancelled(path))
	}
	// 0 -> 1 -> 0: a cycle.
	if _, inc := walkPath(ctxRef{typValue, 0}, 100, later, never, graphReader([]byte{1, 0, 1, 0, 0, 1})); !strings.Contains(inc, "cycle") {
		t.Errorf("cycle: %q", inc)
	}
	// 0 -> 1 (unreadable).
	if path, inc := walkPath(ctxRef{typValue, 0}, 100, later, never, graphReader([]byte{1, 0, 1, 0, 0, 2})); len(path) != 2 || !strings.Contains(inc, "unreadable") {
		t.Errorf("unreadable: %d %q", len(path), inc)
	}
	// Depth bound and deadline.
	long := make([]byte, 3*50)
	for i := 0; i < 50; i++ {
		long[3*i], long[3*i+2] = byte(i+1), 1
	}
	if path, inc := walkPath(ctxRef{typValue, 0}, 10, later, never, graphReader(long)); len(path) != 10 || !strings.Contains(inc, "depth") {
		t.Errorf("depth: %d %q", len(path), inc)
	}
	if path, inc := walkPath(ctxRef{typValue, 0}, 100, time.Now().Add(-time.Second), never, graphReader(long)); len(path) != 0 || !strings.Contains(inc, "time budget") {
		t.Errorf("deadline: %d %q", len(path), inc)
	}
}

// FuzzWalkPath walks arbitrary context graphs: the walk ends within its
// depth bound, and says why whenever it did not reach a root.
func FuzzWalkPath(f *testing.F) {
	f.Add([]byte{1, 0, 1, 2, 0, 1, 0, 0, 4}, uint8(0))
	f.Add([]byte{1, 0, 1, 0, 0, 1}, uint8(0))
	f.Add([]byte{0, 0, 1}, uint8(3))
	never := func(ctxRef) (ctxMemo, bool) { return ctxMemo{}, false }
	f.Fuzz(func(t *testing.T, data []byte, start uint8) {
		read := graphReader(data)
		path, inc := walkPath(ctxRef{typValue, 8 * uint64(start)}, 64, time.Now().Add(time.Minute), never, read)
		if len(path) > 64 {
			t.Fatalf("%d nodes past the bound", len(path))
		}
		if len(path) == 0 {
			t.Fatalf("no node for a start context")
		}
		last := read(ctxRef{path[len(path)-1].Type, path[len(path)-1].Addr})
		if (inc == "") != (last.node.Unreadable == "" && !last.more) {
			t.Fatalf("incomplete %q, but the last node is %+v", inc, last)
		}
	})
}

// FuzzValueParent decodes arbitrary interface words.
func FuzzValueParent(f *testing.F) {
	f.Add(make([]byte, 16))
	f.Add([]byte{0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0xc0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, more, err := valueParent(b, func(tab uint64) (string, error) { return "*context.cancelCtx", nil })
		if err == nil && more && (p.typ == "" || len(b) < 16) {
			t.Fatalf("parent %+v from %x", p, b)
		}
		if err == nil && !more && p != (ctxRef{}) {
			t.Fatalf("no parent but %+v", p)
		}
	})
}
