package render

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dlv-tasks/dlv-tasks/chains"
)

// Groups writes groups as an aligned table with columns COUNT, KEY, STATES
// (counts per state, largest first) and IDS (at most five, then "…"), under
// the header "N groups of M goroutines by <by>"; by names the grouping key,
// as in "creation" or "label task".
func Groups(w io.Writer, groups []chains.Group, by string) error {
	total := 0
	for _, g := range groups {
		total += g.Count
	}
	if _, err := fmt.Fprintf(w, "%s of %s by %s\n", plural(len(groups), "group"), plural(total, "goroutine"), Safe(by)); err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNT\tKEY\tSTATES\tIDS")
	for _, g := range groups {
		key := Safe(g.Key)
		if key == "" {
			key = `""`
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", g.Count, key, statesText(g.States), sampleIDs(g.IDs))
	}
	return tw.Flush()
}

// statesText formats state counts as "3 chan receive, 1 running", largest
// count first, then by name.
func statesText(states map[string]int) string {
	if len(states) == 0 {
		return "-"
	}
	names := make([]string, 0, len(states))
	for s := range states {
		names = append(names, s)
	}
	slices.SortFunc(names, func(a, b string) int {
		if states[a] != states[b] {
			return states[b] - states[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(names))
	for i, s := range names {
		parts[i] = strconv.Itoa(states[s]) + " " + Safe(s)
	}
	return strings.Join(parts, ", ")
}
