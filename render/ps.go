package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// PsTable writes gs as an aligned table under the header
// "N goroutines (showing M)", where total is N and len(gs) is M. Columns:
// ID, PARENT, STATE, WAIT, LABELS, TASK and GROUP (only when some goroutine
// has a tracker task: "t:ID name" and the group name), LOCATION (user location, else current location, with a
// short file) and CREATED BY (the function that created it: the go
// statement's, or for a tracker task the user's caller of the tracker).
func PsTable(w io.Writer, gs []model.Goroutine, total int) error {
	return PsTableColumns(w, gs, total, HasTasks(gs))
}

// HasTasks reports whether some goroutine of gs runs a tracker task: the
// table then has TASK and GROUP columns.
func HasTasks(gs []model.Goroutine) bool {
	for i := range gs {
		if gs[i].Task != nil {
			return true
		}
	}
	return false
}

// PsTableColumns is PsTable with the TASK and GROUP columns shown or not
// by withTask, so that a listing cut by -limit keeps the columns of the
// whole selection.
func PsTableColumns(w io.Writer, gs []model.Goroutine, total int, withTask bool) error {
	if _, err := fmt.Fprintf(w, "%s (showing %d)\n", plural(total, "goroutine"), len(gs)); err != nil {
		return err
	}
	return PsRows(w, gs, withTask)
}

// PsRows writes the table of PsTableColumns without its header line (for a
// face that words the header itself); nothing for no goroutines.
func PsRows(w io.Writer, gs []model.Goroutine, withTask bool) error {
	if len(gs) == 0 {
		return nil
	}
	cols := []Column{{Header: "ID", Kind: ColFixed, Color: idColor}, {Header: "PARENT", Kind: ColFixed},
		{Header: "STATE", Kind: ColFixed, Color: stateColor}, {Header: "WAIT", Kind: ColFixed}, {Header: "LABELS"}}
	if withTask {
		cols = append(cols, Column{Header: "TASK", Keep: 1}, Column{Header: "GROUP", Keep: 1})
	}
	cols = append(cols, Column{Header: "LOCATION", Color: userCodeColor, Keep: 2}, Column{Header: "CREATED BY", Keep: 1})
	tab := &Table{Columns: cols, Rows: make([][]string, 0, len(gs))}
	for i := range gs {
		g := &gs[i]
		row := []string{
			strconv.FormatInt(g.ID, 10),
			parentText(g.ParentID),
			stateText(g),
			waitText(g),
			labelsCell(g),
		}
		if withTask {
			row = append(row, taskText(g.Task), groupText(g.Task))
		}
		row = append(row, locationText(g), creatorText(chains.CreationSite(g)))
		tab.Rows = append(tab.Rows, row)
	}
	if err := tab.Write(w, StyleOf(w)); err != nil {
		return err
	}
	if note := LabelsNote(gs); note != "" {
		_, err := fmt.Fprintln(w, note)
		return err
	}
	return nil
}

// incompleteMark ends the LABELS cell of a goroutine whose label set could
// not all be read (model.Goroutine.LabelsIncomplete); LabelsNote says why.
const incompleteMark = " (incomplete)"

// maxNoteGoroutines is how many goroutines a note names one by one.
const maxNoteGoroutines = 3

// labelsCell is the LABELS cell of g: its labels cut to the column's width,
// marked when the set is not whole.
func labelsCell(g *model.Goroutine) string {
	if g.LabelsIncomplete == "" {
		return labelsText(g.Labels, maxLabelsWidth)
	}
	if len(g.Labels) == 0 {
		return "?" + incompleteMark
	}
	return labelsText(g.Labels, maxLabelsWidth-len([]rune(incompleteMark))) + incompleteMark
}

// LabelsNote is the line under a goroutine table that says which
// goroutines' labels are incomplete and why; "" when every label set was
// read whole.
//
//	labels (incomplete): not all read: goroutine 12: label "blob" cut at 65536 bytes; goroutine 14: 1200 labels, the first 1000 read
func LabelsNote(gs []model.Goroutine) string {
	var parts []string
	n := 0
	for i := range gs {
		if gs[i].LabelsIncomplete == "" {
			continue
		}
		n++
		if len(parts) < maxNoteGoroutines {
			parts = append(parts, "goroutine "+strconv.FormatInt(gs[i].ID, 10)+": "+Safe(gs[i].LabelsIncomplete))
		}
	}
	if n == 0 {
		return ""
	}
	s := "labels" + incompleteMark + ": not all read: " + strings.Join(parts, "; ")
	if n > len(parts) {
		s += fmt.Sprintf("; and %d more goroutines (ps --json: labels_incomplete)", n-len(parts))
	}
	return s
}

func parentText(id int64) string {
	if id == 0 {
		return "-"
	}
	return strconv.FormatInt(id, 10)
}

func waitText(g *model.Goroutine) string {
	if g.Waited <= 0 {
		return "-"
	}
	return GoroutineWaitText(g)
}

// locationText is where g is: its user location, else its current one.
func locationText(g *model.Goroutine) string {
	if g.Unreadable != "" {
		return "(unreadable: " + Safe(g.Unreadable) + ")"
	}
	if !g.Location.IsZero() {
		return shortLoc(g.Location)
	}
	return shortLoc(g.CurrentLocation)
}

func creatorText(goStmt model.Location) string {
	if goStmt.Function == "" {
		return "-"
	}
	return Safe(goStmt.Function)
}

// groupText is the tracker group of t, "-" for none.
func groupText(t *model.Task) string {
	if t == nil || t.GroupID == 0 {
		return "-"
	}
	return safeOrDash(t.Group)
}
