package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
)

// Where writes what the where command shows for one goroutine: a header
// with its id, state and wait time, its labels and task, its stack, its
// creation chain and, when the runtime recorded them
// (GODEBUG=tracebackancestors), its ancestors' stacks at creation time.
// g may be nil for a goroutine that has exited; the header then names
// chain[0].ChildID. more says the stack goes on below the last of frames
// (it was read to a depth limit); the stack then ends with a line saying so
// and how to see more.
//
//	Goroutine 12 [chan receive, 3m12s]:
//	  labels: job=sync
//	  0  main.worker
//	     at /src/app/main.go:40
//
//	Creation chain:
//	  goroutine 12 created by goroutine 7 at main.spawn /src/app/main.go:10
//	      goroutine 7 is now at main.spawn /src/app/main.go:14 [chan send]
//	  goroutine 7 created by goroutine 1 at main.main /src/app/main.go:20
//	      goroutine 1 has exited (no record)
func Where(w io.Writer, g *model.Goroutine, frames []model.Frame, more bool, chain []chains.Link, ancestors []model.Ancestor) error {
	var b strings.Builder
	whereHeader(&b, g, chain)
	writeStack(&b, frames, "  ")
	if more {
		fmt.Fprintf(&b, "  … stack cut at %d frames: where -depth N shows more\n", len(frames))
	}
	b.WriteString("\nCreation chain:\n")
	if len(chain) == 0 {
		b.WriteString("  (none: created by the runtime)\n")
	}
	for _, l := range chain {
		fmt.Fprintf(&b, "  goroutine %d created by goroutine %d at %s\n", l.ChildID, l.ParentID, fullLoc(l.GoStatement))
		fmt.Fprintf(&b, "      goroutine %d %s\n", l.ParentID, parentFate(l))
	}
	if len(ancestors) > 0 {
		b.WriteString("\nAncestors (GODEBUG=tracebackancestors):\n")
		for _, a := range ancestors {
			fmt.Fprintf(&b, "  goroutine %d:\n", a.ID)
			if a.Unreadable != "" {
				fmt.Fprintf(&b, "    (unreadable: %s)\n", Safe(a.Unreadable))
				continue
			}
			writeStack(&b, a.Stack, "    ")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func whereHeader(b *strings.Builder, g *model.Goroutine, chain []chains.Link) {
	if g == nil {
		if len(chain) > 0 {
			fmt.Fprintf(b, "Goroutine %d [exited]:\n", chain[0].ChildID)
		} else {
			b.WriteString("Goroutine [exited]:\n")
		}
		return
	}
	state := stateText(g)
	if g.Waited > 0 {
		state += ", " + GoroutineWaitText(g)
	}
	fmt.Fprintf(b, "Goroutine %d [%s]:\n", g.ID, state)
	if g.Unreadable != "" {
		fmt.Fprintf(b, "  unreadable: %s\n", Safe(g.Unreadable))
	}
	switch {
	case g.LabelsIncomplete != "":
		fmt.Fprintf(b, "  labels: %s (incomplete: %s)\n", labelsText(g.Labels, 0), Safe(g.LabelsIncomplete))
	case len(g.Labels) > 0:
		fmt.Fprintf(b, "  labels: %s\n", labelsText(g.Labels, 0))
	}
	if g.Task != nil {
		fmt.Fprintf(b, "  task: %s\n", taskText(g.Task))
	}
}

// parentFate says what became of the parent of a link.
func parentFate(l chains.Link) string {
	switch {
	case l.ParentIDReused:
		return "is a cgo callback goroutine: every callback on its C thread has that id, the creator may have returned"
	case l.Parent != nil:
		return fmt.Sprintf("is now at %s [%s]", fullLoc(whereNow(l.Parent)), stateText(l.Parent))
	case l.ParentExited != nil:
		var notes []string
		if fn := l.ParentExited.Start.Function; fn != "" {
			notes = append(notes, "started as "+Safe(fn))
		}
		if l.FromAncestors {
			notes = append(notes, "recorded by tracebackancestors")
		}
		if len(notes) == 0 {
			return "has exited"
		}
		return "has exited (" + strings.Join(notes, "; ") + ")"
	}
	return "has exited (no record)"
}

// whereNow is g's user location, else its current location.
func whereNow(g *model.Goroutine) model.Location {
	if !g.Location.IsZero() {
		return g.Location
	}
	return g.CurrentLocation
}
