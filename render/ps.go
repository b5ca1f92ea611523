package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

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
	if _, err := fmt.Fprintf(w, "%s (showing %d)\n", plural(total, "goroutine"), len(gs)); err != nil {
		return err
	}
	if len(gs) == 0 {
		return nil
	}
	withTask := false
	for i := range gs {
		withTask = withTask || gs[i].Task != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cols := []string{"ID", "PARENT", "STATE", "WAIT", "LABELS"}
	if withTask {
		cols = append(cols, "TASK", "GROUP")
	}
	cols = append(cols, "LOCATION", "CREATED BY")
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for i := range gs {
		g := &gs[i]
		row := []string{
			strconv.FormatInt(g.ID, 10),
			parentText(g.ParentID),
			stateText(g),
			waitText(g),
			labelsText(g.Labels, maxLabelsWidth),
		}
		if withTask {
			row = append(row, taskText(g.Task), groupText(g.Task))
		}
		row = append(row, locationText(g), creatorText(chains.CreationSite(g)))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
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
	return WaitText(g.Waited, g.WaitedAtLeast)
}

// locationText is where g is: its user location, else its current one.
func locationText(g *model.Goroutine) string {
	if g.Unreadable != "" {
		return "(unreadable: " + g.Unreadable + ")"
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
	return goStmt.Function
}

// groupText is the tracker group of t, "-" for none.
func groupText(t *model.Task) string {
	if t == nil || t.GroupID == 0 {
		return "-"
	}
	return orDash(t.Group)
}
