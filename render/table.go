package render

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// Style says how text output is laid out for the place it goes to: a
// terminal of Width columns (0: no limit, as for a pipe or a file) and
// whether ANSI colour may be used.
type Style struct {
	// Width is the terminal's width in columns; 0 means unlimited.
	Width int
	// Color enables ANSI colour (never for pipes, nor under NO_COLOR).
	Color bool
}

// Plain is the style of output that goes to a pipe or a file: full width,
// no colour.
var Plain = Style{}

// Styler is a writer that knows the style of the place it writes to (a
// face's terminal output); render's table writers ask it.
type Styler interface {
	TextStyle() Style
}

// StyleOf is w's style: its own when it is a Styler, else Plain.
func StyleOf(w io.Writer) Style {
	if s, ok := w.(Styler); ok {
		return s.TextStyle()
	}
	return Plain
}

// ANSI colours of the cells render colours.
const (
	colorID      = "36" // cyan: ids one can type
	colorRunning = "32" // green
	colorWaiting = "33" // yellow: runnable, syscall
	colorBad     = "31" // red: leaked, unreadable
	colorUser    = "1"  // bold: the user's own code
)

// stateColor colours a goroutine state as the eye scans for it.
func stateColor(state string) string {
	switch {
	case state == "running":
		return colorRunning
	case state == "runnable" || state == "syscall" || strings.HasPrefix(state, "preempted"):
		return colorWaiting
	case strings.HasPrefix(state, "leaked"):
		return colorBad
	}
	return ""
}

func idColor(string) string { return colorID }

// userCodeColor marks a location in the user's own code: a function of
// package main or of a module (its import path starts with a domain), not
// the standard library's.
func userCodeColor(loc string) string {
	pkg, _, _ := strings.Cut(loc, " ")
	if strings.HasPrefix(pkg, "main.") {
		return colorUser
	}
	first, _, _ := strings.Cut(pkg, "/")
	if strings.Contains(first, ".") && strings.Contains(pkg, "/") {
		return colorUser
	}
	return ""
}

// Column kinds of a Table: how a column may be shortened and coloured.
const (
	// ColText is shortened in the middle when the table is too wide.
	ColText = iota
	// ColFixed is never shortened (ids, states, counts).
	ColFixed
)

// Column is one column of a Table.
type Column struct {
	Header string
	Kind   int
	// Color, when set, gives the ANSI SGR code for a cell ("32" green), or
	// "" for none. It sees the cell's full text.
	Color func(cell string) string
	// Keep orders the cuts of text columns: those with the lowest Keep are
	// shortened first, as far as they go, before the next ones are.
	Keep int
}

// columnGap is the space between two columns.
const columnGap = 2

// minShortened is the narrowest a shortened column gets.
const minShortened = 8

// Table is rows of cells under a header, written aligned; under a Style
// with a Width it fits the width by shortening the widest text columns in
// the middle ("main.(*Serv…).handle"), keeping fixed columns whole.
type Table struct {
	Columns []Column
	Rows    [][]string
}

// Add appends a row; cells beyond the columns are dropped, missing ones
// are empty.
func (t *Table) Add(cells ...string) {
	row := make([]string, len(t.Columns))
	copy(row, cells)
	t.Rows = append(t.Rows, row)
}

// Write writes the table in style st.
func (t *Table) Write(w io.Writer, st Style) error {
	widths := t.fit(st.Width)
	var b strings.Builder
	line := func(cells []string, header bool) {
		b.Reset()
		for i, c := range t.Columns {
			cell := shorten(cells[i], widths[i])
			pad := widths[i] - runewidth.StringWidth(cell)
			last := i == len(t.Columns)-1
			code := ""
			if st.Color {
				switch {
				case header:
					code = "1"
				case c.Color != nil:
					code = c.Color(cells[i])
				}
			}
			if code != "" {
				b.WriteString("\x1b[" + code + "m" + cell + "\x1b[0m")
			} else {
				b.WriteString(cell)
			}
			if !last {
				b.WriteString(strings.Repeat(" ", pad+columnGap))
			}
		}
		b.WriteString("\n")
	}
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Header
	}
	line(header, true)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, r := range t.Rows {
		line(r, false)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// fit returns each column's width: its widest cell, the text columns
// narrowed (widest first) until the table fits width columns, none below
// minShortened or its header. A table that cannot fit stays at its minimum.
func (t *Table) fit(width int) []int {
	widths := make([]int, len(t.Columns))
	floor := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = runewidth.StringWidth(c.Header)
		floor[i] = widths[i]
	}
	for _, r := range t.Rows {
		for i, cell := range r {
			if n := runewidth.StringWidth(cell); n > widths[i] {
				widths[i] = n
			}
		}
	}
	for i, c := range t.Columns {
		if c.Kind == ColFixed {
			floor[i] = widths[i]
		} else if floor[i] < minShortened {
			floor[i] = min(minShortened, widths[i])
		}
	}
	if width <= 0 {
		return widths
	}
	total := columnGap * (len(widths) - 1)
	for _, n := range widths {
		total += n
	}
	for total > width {
		// Among the columns cut first (lowest Keep) that can still be cut,
		// narrow the widest down to the next widest (or as far as needed),
		// so that wide columns share the cut.
		level, any := 0, false
		for i, n := range widths {
			if n > floor[i] && (!any || t.Columns[i].Keep < level) {
				level, any = t.Columns[i].Keep, true
			}
		}
		widest, next := -1, 0
		for i, n := range widths {
			if n <= floor[i] || t.Columns[i].Keep != level {
				continue
			}
			if widest < 0 || n > widths[widest] {
				if widest >= 0 {
					next = max(next, widths[widest])
				}
				widest = i
			} else {
				next = max(next, n)
			}
		}
		if widest < 0 {
			break
		}
		cut := max(1, min(widths[widest]-next, total-width))
		cut = min(cut, widths[widest]-floor[widest])
		widths[widest] -= cut
		total -= cut
	}
	return widths
}

// shorten cuts s to width columns by replacing its middle with "…".
func shorten(s string, width int) string {
	if runewidth.StringWidth(s) <= width {
		return s
	}
	if width <= 1 {
		return runewidth.Truncate(s, width, "")
	}
	rs := []rune(s)
	keep := width - 1
	head := (keep + 1) / 2
	tail := keep - head
	// Take head columns from the front and tail columns from the back.
	var front, back []rune
	w := 0
	for _, r := range rs {
		rw := runewidth.RuneWidth(r)
		if w+rw > head {
			break
		}
		front = append(front, r)
		w += rw
	}
	w = 0
	for i := len(rs) - 1; i >= 0; i-- {
		rw := runewidth.RuneWidth(rs[i])
		if w+rw > tail {
			break
		}
		back = append([]rune{rs[i]}, back...)
		w += rw
	}
	return string(front) + "…" + string(back)
}

// TruncateLine cuts one line of text (a tree line) to width columns,
// ending it with "…"; width 0 keeps it whole.
func TruncateLine(s string, width int) string {
	if width <= 0 || runewidth.StringWidth(s) <= width {
		return s
	}
	return runewidth.Truncate(s, width, "…")
}
