package dlvclient

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// The pure parts of the context walk: following a chain of remembered or
// freshly read nodes, and decoding a valueCtx's parent from raw memory.
// Both take their inputs from the target and are fuzzed.

// ifaceSize is the size of an interface value on 64-bit targets: the type
// (or itab) word and the data word.
const ifaceSize = 16

// decodeIface decodes an interface value (itab or type word, then data
// word). A nil interface has both words zero; a zero type word with a
// non-zero data word is not an interface value (corrupt memory).
func decodeIface(b []byte) (tab, data uint64, err error) {
	if len(b) < ifaceSize {
		return 0, 0, fmt.Errorf("interface: %d bytes, need %d", len(b), ifaceSize)
	}
	tab, data = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	if tab == 0 && data != 0 {
		return 0, 0, fmt.Errorf("interface with no type and data %#x (corrupt memory?)", data)
	}
	return tab, data, nil
}

// valueParent decodes the parent of a context.valueCtx from the bytes of
// its embedded Context (the struct's first field): the dynamic type comes
// from typeOf (by itab address), the address from the data word (which is
// the pointer itself for pointer types and the value's address for the
// others, as the runtime stores them). more is false for a nil parent.
func valueParent(b []byte, typeOf func(tab uint64) (string, error)) (parent ctxRef, more bool, err error) {
	tab, data, err := decodeIface(b)
	if err != nil {
		return ctxRef{}, false, err
	}
	if tab == 0 {
		return ctxRef{}, false, nil
	}
	typ, err := typeOf(tab)
	if err != nil {
		return ctxRef{}, false, err
	}
	if typ == "" {
		return ctxRef{}, false, fmt.Errorf("interface type at %#x: no name", tab)
	}
	return ctxRef{typ, data}, true, nil
}

// walkPath follows a context chain from start: read returns a node and
// whether it came from memory already read (remembered), so that only
// fresh reads are held to deadline. It stops at the root (more false), at
// an unreadable node, at a cycle, after maxDepth nodes, or when deadline
// passes before a fresh read; all but the first are reported in
// incomplete.
func walkPath(start ctxRef, maxDepth int, deadline time.Time, remembered func(ctxRef) (ctxMemo, bool), read func(ctxRef) ctxMemo) (path []model.ContextNode, incomplete string) {
	seen := map[ctxRef]bool{}
	typ, addr := start.typ, start.addr
	for depth := 0; typ != ""; depth++ {
		if depth == maxDepth {
			return path, fmt.Sprintf("walk cut after %d contexts (depth bound)", depth)
		}
		k := ctxRef{typ, addr}
		if seen[k] {
			return path, fmt.Sprintf("cycle: context %s at %#x seen twice (corrupt memory?)", typ, addr)
		}
		seen[k] = true
		m, ok := remembered(k)
		if !ok {
			if time.Now().After(deadline) {
				return path, fmt.Sprintf("walk cut by its time budget after %d contexts", depth)
			}
			m = read(k)
		}
		path = append(path, m.node)
		if m.node.Unreadable != "" {
			return path, fmt.Sprintf("context %s at %#x is unreadable: %s", typ, addr, m.node.Unreadable)
		}
		if !m.more {
			break
		}
		typ, addr = m.parent.typ, m.parent.addr
	}
	return path, ""
}
