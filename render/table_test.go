package render

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/stretchr/testify/require"
)

func sampleTable() *Table {
	t := &Table{Columns: []Column{{Header: "ID", Kind: ColFixed}, {Header: "STATE", Kind: ColFixed}, {Header: "LOCATION"}, {Header: "CREATED BY"}}}
	t.Add("1", "running", "main.main demo/main.go:62", "-")
	t.Add("1234", "chan receive", "example.com/demo/leakylib.(*Watcher).poll leakylib/leakylib.go:31", "example.com/demo/leakylib.(*Watcher).start")
	return t
}

func TestTableUnlimitedIsAligned(t *testing.T) {
	var b strings.Builder
	require.NoError(t, sampleTable().Write(&b, Plain))
	want := "ID    STATE         LOCATION                                                           CREATED BY\n" +
		"1     running       main.main demo/main.go:62                                          -\n" +
		"1234  chan receive  example.com/demo/leakylib.(*Watcher).poll leakylib/leakylib.go:31  example.com/demo/leakylib.(*Watcher).start\n"
	require.Equal(t, want, b.String())
}

func TestTableFitsWidthKeepingFixedColumns(t *testing.T) {
	for _, width := range []int{60, 80, 100} {
		var b strings.Builder
		require.NoError(t, sampleTable().Write(&b, Style{Width: width}))
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		require.Len(t, lines, 3)
		for _, l := range lines {
			require.LessOrEqual(t, runewidth.StringWidth(l), width, "%q", l)
		}
		require.True(t, strings.HasPrefix(lines[2], "1234  chan receive  "), "fixed columns cut: %q", lines[2])
		require.Contains(t, lines[2], "…", "nothing was shortened at %d", width)
		require.True(t, strings.HasSuffix(lines[2], "start") || strings.Contains(lines[2], ":31"), "the ends of the cells are lost: %q", lines[2])
	}
}

// TestTableFitProperty: on random tables, every line fits when the fixed
// columns allow it, fixed cells are never cut, and a cut cell keeps its
// first and last characters.
func TestTableFitProperty(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('a' + r.Intn(26)))
		}
		return b.String()
	}
	for iter := range 500 {
		tab := &Table{Columns: []Column{{Header: "ID", Kind: ColFixed}, {Header: "A"}, {Header: "B"}, {Header: "C"}}}
		for range 1 + r.Intn(5) {
			tab.Add(fmt.Sprint(r.Intn(100000)), word(1+r.Intn(80)), word(1+r.Intn(40)), word(1+r.Intn(120)))
		}
		width := 20 + r.Intn(180)
		var b strings.Builder
		require.NoError(t, tab.Write(&b, Style{Width: width}))
		widths := tab.fit(width)
		minimal := columnGap * 3
		for i := range widths {
			minimal += widths[i]
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		for li, l := range lines {
			if minimal <= width {
				require.LessOrEqual(t, runewidth.StringWidth(l), width, "iter %d: %q", iter, l)
			}
			if li == 0 {
				continue
			}
			row := tab.Rows[li-1]
			require.True(t, strings.HasPrefix(l, row[0]+" ") || l == row[0], "iter %d: id cut: %q", iter, l)
			for ci, cell := range row {
				got := shorten(cell, widths[ci])
				if got != cell {
					require.Equal(t, cell[:1], got[:1])
					require.Equal(t, cell[len(cell)-1:], got[len(got)-1:])
				}
			}
		}
	}
}

func TestTableColor(t *testing.T) {
	tab := &Table{Columns: []Column{{Header: "ID", Kind: ColFixed}, {Header: "STATE", Kind: ColFixed, Color: func(s string) string {
		if s == "running" {
			return "32"
		}
		return ""
	}}}}
	tab.Add("1", "running")
	tab.Add("2", "sleep")
	var plain, color strings.Builder
	require.NoError(t, tab.Write(&plain, Plain))
	require.NotContains(t, plain.String(), "\x1b")
	require.NoError(t, tab.Write(&color, Style{Color: true}))
	require.Contains(t, color.String(), "\x1b[32mrunning\x1b[0m")
	require.Contains(t, color.String(), "2   sleep")
}

func TestShortenAndTruncate(t *testing.T) {
	require.Equal(t, "abc…xyz", shorten("abcdefghijklmnopqrstuvwxyz", 7))
	require.Equal(t, "short", shorten("short", 10))
	wide := shorten("日本日本日本日本語", 7)
	require.LessOrEqual(t, runewidth.StringWidth(wide), 7)
	require.True(t, strings.HasPrefix(wide, "日") && strings.HasSuffix(wide, "…語"), wide)
	require.Equal(t, "a long l…", TruncateLine("a long line of tree", 9))
	require.Equal(t, "whole", TruncateLine("whole", 0))
}
