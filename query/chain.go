package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/dlv-tasks/dlv-tasks/chains"
	"github.com/dlv-tasks/dlv-tasks/model"
	"github.com/dlv-tasks/dlv-tasks/render"
)

// DefaultMaxAncestorReads bounds how many goroutines' tracebackancestors
// records CreationChains reads (one debugger call each).
const DefaultMaxAncestorReads = 5000

// CreationChainsDoc is the creation chain of every live goroutine at this
// stop, each the chain Where gives for that goroutine.
type CreationChainsDoc struct {
	notes
	// IDs are the goroutines, ascending; Chains[i] is IDs[i]'s chain,
	// nearest creator first.
	IDs    []int64
	Chains [][]chains.Link
	// AncestorReads counts the goroutines whose tracebackancestors records
	// were read (those whose chain met a creator the runtime kept no record
	// of).
	AncestorReads int
}

// Text writes one line a goroutine: its creators, nearest first.
func (d *CreationChainsDoc) Text(w io.Writer) error {
	for i, id := range d.IDs {
		if _, err := fmt.Fprintf(w, "goroutine %d:", id); err != nil {
			return err
		}
		for _, l := range d.Chains[i] {
			state := "exited"
			switch {
			case l.ParentIDReused:
				state = "cgo callback id"
			case l.Parent != nil:
				state = chains.State(l.Parent)
			}
			fmt.Fprintf(w, " ← %d (%s) at %s %s:%d", l.ParentID, render.Safe(state), render.Safe(l.GoStatement.Function),
				render.Safe(render.ShortFile(l.GoStatement.File)), l.GoStatement.Line)
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	return nil
}

// chainJSON is one goroutine's chain in JSON.
type chainJSON struct {
	ID    int64            `json:"id"`
	Chain []render.LinkDoc `json:"creation_chain"`
}

// JSON returns each goroutine's chain as where --json shows it.
func (d *CreationChainsDoc) JSON() any {
	out := make([]chainJSON, len(d.IDs))
	for i, id := range d.IDs {
		out[i] = chainJSON{ID: id, Chain: render.NewLinkDocs(d.Chains[i])}
	}
	return out
}

// Chain returns goroutine id's chain, and whether id is in the document.
func (d *CreationChainsDoc) Chain(id int64) ([]chains.Link, bool) {
	i, ok := slices.BinarySearch(d.IDs, id)
	if !ok {
		return nil, false
	}
	return d.Chains[i], true
}

// CreationChains answers the creation chain of every live goroutine at
// this stop, each equal to what Where answers for it: the chain through
// the snapshot's live and exited goroutines, and, where it meets a
// creator the runtime kept no record of, through that goroutine's own
// GODEBUG=tracebackancestors records (Where reads them for every
// goroutine; they change the chain only there). At most maxAncestorReads
// goroutines' records are read (0: DefaultMaxAncestorReads); a note says
// when the bound cut it.
func (q *Querier) CreationChains(ctx context.Context, maxAncestorReads int) (*CreationChainsDoc, error) {
	if maxAncestorReads <= 0 {
		maxAncestorReads = DefaultMaxAncestorReads
	}
	snap, err := q.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	d := &CreationChainsDoc{IDs: make([]int64, 0, len(snap.Goroutines))}
	for i := range snap.Goroutines {
		d.IDs = append(d.IDs, snap.Goroutines[i].ID)
	}
	slices.Sort(d.IDs)
	d.IDs = slices.Compact(d.IDs)
	d.Chains = make([][]chains.Link, len(d.IDs))
	ancestorsOn := true
	var cut, failed int
	var firstErr error
	for i, id := range d.IDs {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		chain, err := chains.CreationChain(snap, id)
		if err != nil {
			return nil, err
		}
		if ancestorsOn && endsAtUnknownCreator(chain) {
			if d.AncestorReads == maxAncestorReads {
				cut++
			} else {
				d.AncestorReads++
				as, on, err := q.src.Ancestors(id, model.MaxAncestors, model.AncestorStackMax)
				switch {
				case err != nil && !errors.Is(err, model.ErrExited):
					failed++
					if firstErr == nil {
						firstErr = err
					}
				case !on:
					ancestorsOn = false
				default:
					if chain, err = chains.CreationChainWithAncestors(snap, id, as); err != nil {
						return nil, err
					}
				}
			}
		}
		d.Chains[i] = chain
	}
	if cut > 0 {
		d.notef("the tracebackancestors records of %d goroutines only were read: %d more creation chains stop at a creator without a record", maxAncestorReads, cut)
	}
	if failed > 0 {
		d.notef("the tracebackancestors records of %d goroutines could not be read (first: %v)", failed, firstErr)
	}
	return d, nil
}

// endsAtUnknownCreator reports whether a chain stops at a creator that is
// neither alive nor recorded: where tracebackancestors records can go on.
func endsAtUnknownCreator(chain []chains.Link) bool {
	if len(chain) == 0 {
		return false
	}
	l := chain[len(chain)-1]
	return l.ParentID != 0 && l.Parent == nil && l.ParentExited == nil && !l.ParentIDReused
}
