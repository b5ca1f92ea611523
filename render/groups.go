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
// as in "creation" or "label task". Groups that carry a shared stack
// (grouping by stack) are written as blocks instead, panicparse-style: a
// line with the count, states and ids, then the stack, one frame a line
// (function, short file:line), innermost first:
//
//	6 goroutines: 6 IO wait; ids 28,32,36,40,44,…
//	    internal/poll.runtime_pollWait  runtime/netpoll.go:351
//	    …
//	    main.(*client).readLoop         spawnhelper/main.go:112
//	    created by main.(*Server).startGoRoutine spawnhelper/main.go:68
func Groups(w io.Writer, groups []chains.Group, by string) error {
	total := 0
	for _, g := range groups {
		total += g.Count
	}
	if _, err := fmt.Fprintf(w, "%s of %s by %s\n", plural(len(groups), "group"), plural(total, "goroutine"), Safe(by)); err != nil {
		return err
	}
	return GroupRows(w, groups)
}

// GroupRows writes the groups of Groups without its header line (for a
// face that words the header itself); nothing for no groups.
func GroupRows(w io.Writer, groups []chains.Group) error {
	if len(groups) == 0 {
		return nil
	}
	if slices.ContainsFunc(groups, func(g chains.Group) bool { return g.Stack != nil }) {
		return stackGroups(w, groups)
	}
	tab := &Table{Columns: []Column{{Header: "COUNT", Kind: ColFixed}, {Header: "KEY", Color: userCodeColor, Keep: 2},
		{Header: "STATES", Keep: 1}, {Header: "IDS", Kind: ColFixed, Color: idColor}}}
	for _, g := range groups {
		key := Safe(ShortKey(g.Key))
		if key == "" {
			key = `""`
		}
		tab.Add(strconv.Itoa(g.Count), key, statesText(g.States), sampleIDs(g.IDs))
	}
	return tab.Write(w, StyleOf(w))
}

// stackGroups writes groups that share a stack as blocks (see Groups).
func stackGroups(w io.Writer, groups []chains.Group) error {
	for i, g := range groups {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "%s: %s; ids %s\n", plural(g.Count, "goroutine"), statesText(g.States), sampleIDs(g.IDs)); err != nil {
			return err
		}
		if g.Stack == nil {
			if _, err := fmt.Fprintf(w, "    %s\n", g.Key); err != nil {
				return err
			}
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, f := range g.Stack.Frames {
			fn := f.Function
			if fn == "" {
				fn = "?"
			}
			fmt.Fprintf(tw, "    %s\t%s\n", fn, fileLine(f.Location))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if g.Stack.More {
			if _, err := fmt.Fprintf(w, "    … stack cut at %d frames\n", len(g.Stack.Frames)); err != nil {
				return err
			}
		}
		if site := g.CreatedBy; !site.IsZero() {
			if _, err := fmt.Fprintf(w, "    created by %s\n", shortLoc(site)); err != nil {
				return err
			}
		}
	}
	return nil
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

// ShortKey shows a location key ("main.f /abs/path/pkg/file.go:12") with a
// short file, as ps shows locations; other keys are left as they are.
func ShortKey(key string) string {
	i := strings.LastIndexByte(key, ' ')
	if i < 0 || !strings.HasPrefix(key[i+1:], "/") || !strings.Contains(key[i+1:], ".go:") {
		return key
	}
	return key[:i+1] + ShortFile(key[i+1:])
}
