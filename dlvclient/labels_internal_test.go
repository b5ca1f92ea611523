package dlvclient

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeMemory is a sparse target memory for the pure decoders.
type fakeMemory map[uint64][]byte

func (m fakeMemory) read(addr uint64, n int) ([]byte, error) {
	for base, b := range m {
		if addr >= base && addr+uint64(n) <= base+uint64(len(b)) {
			return b[addr-base : addr-base+uint64(n)], nil
		}
	}
	return nil, errors.New("unmapped")
}

// labelSetAt lays out a Go 1.26 label set at 0x1000: the slice header, the
// list at 0x2000, the strings from 0x3000.
func labelSetAt(labels [][2]string, claimLen uint64) fakeMemory {
	m := fakeMemory{}
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint64(hdr, 0x2000)
	binary.LittleEndian.PutUint64(hdr[8:], claimLen)
	binary.LittleEndian.PutUint64(hdr[16:], claimLen)
	m[0x1000] = hdr
	list := make([]byte, 32*len(labels))
	strs := []byte{}
	put := func(off int, s string) {
		binary.LittleEndian.PutUint64(list[off:], 0x3000+uint64(len(strs)))
		binary.LittleEndian.PutUint64(list[off+8:], uint64(len(s)))
		strs = append(strs, s...)
	}
	for i, kv := range labels {
		put(32*i, kv[0])
		put(32*i+16, kv[1])
	}
	m[0x2000] = list
	m[0x3000] = strs
	return m
}

var testLabelLayout = labelLayout{known: true, listOff: 0, elemSize: 32, keyOff: 0, valueOff: 16}

func TestReadLabelSetExact(t *testing.T) {
	k := strings.Repeat("k", 64)
	labels := [][2]string{{"id", strings.Repeat("x", 70)}, {k + "A", "1"}, {k + "B", "2"}}
	m := labelSetAt(labels, 3)
	got := readLabelSet(&memWindows{read: m.read}, testLabelLayout, 0x1000)
	require.NoError(t, got.err)
	require.Empty(t, got.cut)
	require.Equal(t, map[string]string{"id": strings.Repeat("x", 70), k + "A": "1", k + "B": "2"}, got.labels)
}

func TestReadLabelSetBounds(t *testing.T) {
	// A count over the bound is cut and said so (the list holds fewer
	// entries than claimed here: reading them fails, reported as such).
	m := labelSetAt([][2]string{{"a", "b"}}, maxLabels+1)
	got := readLabelSet(&memWindows{read: m.read}, testLabelLayout, 0x1000)
	require.Error(t, got.err)

	// A value longer than the bound: cut, said so.
	huge := strings.Repeat("v", maxLabelString+10)
	m = labelSetAt([][2]string{{"blob", huge}}, 1)
	got = readLabelSet(&memWindows{read: m.read}, testLabelLayout, 0x1000)
	require.NoError(t, got.err)
	require.Len(t, got.labels["blob"], maxLabelString)
	require.Contains(t, got.cut, `"blob" cut at`)

	// len > cap, a nil list with a length, unmapped memory: errors.
	m = labelSetAt([][2]string{{"a", "b"}}, 1)
	binary.LittleEndian.PutUint64(m[0x1000][16:], 0)
	require.ErrorContains(t, readLabelSet(&memWindows{read: m.read}, testLabelLayout, 0x1000).err, "corrupt list")
	require.Error(t, readLabelSet(&memWindows{read: m.read}, testLabelLayout, 0x9000).err)
}

// TestFuncTableFrameSizes reads this test binary's own function table: a
// frame size is 0 at a function's entry and positive inside a function that
// has a frame.
func TestFuncTableFrameSizes(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	f, err := elf.Open(exe)
	require.NoError(t, err)
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		t.Skip("the function table reader is for amd64 executables")
	}
	ft, err := openFuncTable(f)
	require.NoError(t, err)
	tab := openPCLine(f)
	require.NotNil(t, tab)
	fn := tab.LookupFunc("github.com/dlv-tasks/dlv-tasks/dlvclient.readLabelSet")
	require.NotNil(t, fn)
	d, entry, ok := ft.spDelta(fn.Entry)
	require.True(t, ok)
	require.Equal(t, fn.Entry, entry)
	require.Zero(t, d)
	inside := false
	for pc := fn.Entry; pc < fn.End; pc++ {
		if d, _, ok := ft.spDelta(pc); ok && d > 0 {
			inside = true
			break
		}
	}
	require.True(t, inside, "readLabelSet has a frame")
}
