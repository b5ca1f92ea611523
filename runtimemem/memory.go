package runtimemem

import (
	"fmt"
	"sort"
	"strings"
)

// Memory reads the target's memory.
type Memory interface {
	// ReadMemory fills p with the bytes at addr, all of them or an error.
	// Collect asks for at most Options.MaxRead bytes at a time.
	ReadMemory(p []byte, addr uint64) error
}

// Thread is one OS thread of the target and its registers, as stopped.
type Thread struct {
	// ID is the OS thread id (what the runtime keeps in m.procid).
	ID int
	// PC, SP and BP are its instruction, stack and frame pointers.
	PC, SP, BP uint64
}

// Corruption counts what Collect found invalid in the target's memory, by
// reason ("g at 0x…: stack bounds …" reasons are grouped by kind, with one
// example each).
type Corruption struct {
	counts  map[string]int
	example map[string]string
}

// Note counts one corrupt item of kind, keeping the first detail as example.
func (c *Corruption) Note(kind, detail string) {
	if c.counts == nil {
		c.counts, c.example = map[string]int{}, map[string]string{}
	}
	if c.counts[kind] == 0 {
		c.example[kind] = detail
	}
	c.counts[kind]++
}

// Total is how many corrupt items were counted.
func (c *Corruption) Total() int {
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Counts returns the count of each kind.
func (c *Corruption) Counts() map[string]int {
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// String lists the kinds, most frequent first, each with its example.
func (c *Corruption) String() string {
	kinds := make([]string, 0, len(c.counts))
	for k := range c.counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if c.counts[kinds[i]] != c.counts[kinds[j]] {
			return c.counts[kinds[i]] > c.counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d× %s (e.g. %s)", c.counts[k], k, c.example[k])
	}
	return strings.Join(parts, "; ")
}

// window is one bulk read of target memory that later small reads are cut
// from.
type window struct {
	addr uint64
	data []byte
}

func (w *window) has(addr, n uint64) bool {
	return addr >= w.addr && addr+n >= addr && addr+n <= w.addr+uint64(len(w.data))
}

func (w *window) word(addr uint64) uint64 {
	return le64(w.data[addr-w.addr:])
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// leN reads a little-endian integer of 1, 2, 4 or 8 bytes.
func leN(b []byte, n uint64) uint64 {
	switch n {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(b[0]) | uint64(b[1])<<8
	case 4:
		return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
	}
	return le64(b)
}
