package render

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/dlv-tasks/dlv-tasks/model"
)

// ExitedGoroutines prints the runtime's records of exited goroutines: a
// partial history (a dead runtime.g keeps its goroutine's id, parent and
// creation site until a new goroutine reuses it; how and when it ended is
// not known). total is the number of such records before any limit.
func ExitedGoroutines(w io.Writer, exited []model.ExitedGoroutine, total int) error {
	fmt.Fprintf(w, "%d exited goroutines (showing %d) — partial history: the runtime keeps an exited goroutine's record only until its memory is reused; how and when each ended is not recorded\n", total, len(exited))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARENT\tSTART\tCREATED AT")
	for _, e := range exited {
		parent := "-"
		if e.ParentID != 0 {
			parent = strconv.FormatInt(e.ParentID, 10)
		}
		created := "-"
		if !e.GoStatement.IsZero() {
			created = Safe(e.GoStatement.Function) + " " + fileLine(e.GoStatement)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", e.ID, parent, safeOrDash(e.Start.Function), created)
	}
	return tw.Flush()
}

// ExitedDoc is the JSON document of ps-terminated for the runtime's
// records of exited goroutines.
type ExitedDoc struct {
	// Source is "runtime": records of dead runtime.g structs, a partial
	// history.
	Source string `json:"source"`
	// TrackerPresent says the target also has tracker records (ps-terminated
	// without -runtime lists those).
	TrackerPresent bool `json:"tracker_present"`
	// Total counts the records before any limit.
	Total  int                     `json:"total"`
	Exited []model.ExitedGoroutine `json:"exited"`
}

// NewExitedDoc builds the document; exited is never encoded as null.
func NewExitedDoc(exited []model.ExitedGoroutine, total int, trackerPresent bool) ExitedDoc {
	if exited == nil {
		exited = []model.ExitedGoroutine{}
	}
	return ExitedDoc{Source: "runtime", TrackerPresent: trackerPresent, Total: total, Exited: exited}
}
