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

// Bounds of CreationChains: how many goroutines' tracebackancestors
// records it reads (one debugger call each), and how many links all the
// chains may hold together (a deep creation tree makes every chain long).
const (
	DefaultMaxAncestorReads = 5000
	DefaultMaxChainLinks    = 5_000_000
)

// ChainsRequest bounds CreationChains (0: the defaults).
type ChainsRequest struct {
	MaxAncestorReads, MaxLinks int
}

// CreationChainsDoc is the creation chain of every live goroutine at this
// stop, each the chain Where gives for that goroutine.
type CreationChainsDoc struct {
	notes
	// IDs are the goroutines whose chain the document holds, ascending;
	// Chains[i] is IDs[i]'s chain, nearest creator first. Past MaxLinks,
	// the remaining goroutines are left out and counted in Omitted.
	IDs     []int64
	Chains  [][]chains.Link
	Omitted int
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
// goroutine; they change the chain only there). At most r.MaxAncestorReads
// goroutines' records are read, and once the chains hold r.MaxLinks links
// the remaining goroutines are left out; notes say when a bound cut.
func (q *Querier) CreationChains(ctx context.Context, r ChainsRequest) (*CreationChainsDoc, error) {
	if r.MaxAncestorReads <= 0 {
		r.MaxAncestorReads = DefaultMaxAncestorReads
	}
	if r.MaxLinks <= 0 {
		r.MaxLinks = DefaultMaxChainLinks
	}
	snap, err := q.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(snap.Goroutines))
	for i := range snap.Goroutines {
		ids = append(ids, snap.Goroutines[i].ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	d := &CreationChainsDoc{IDs: make([]int64, 0, len(ids)), Chains: make([][]chains.Link, 0, len(ids))}
	ancestorsOn := true
	var cut, failed, links int
	var firstErr error
	for i, id := range ids {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		chain, err := chains.CreationChain(snap, id)
		if err != nil {
			return nil, err
		}
		if ancestorsOn && endsAtUnknownCreator(chain) {
			if d.AncestorReads == r.MaxAncestorReads {
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
		if links += len(chain); links > r.MaxLinks {
			d.Omitted = len(ids) - i
			break
		}
		d.IDs = append(d.IDs, id)
		d.Chains = append(d.Chains, chain)
	}
	if cut > 0 {
		d.notef("the tracebackancestors records of %d goroutines only were read: %d more creation chains stop at a creator without a record", r.MaxAncestorReads, cut)
	}
	if failed > 0 {
		d.notef("the tracebackancestors records of %d goroutines could not be read (first: %v)", failed, firstErr)
	}
	if d.Omitted > 0 {
		d.notef("the creation chains of %d goroutines are left out: the chains hold more than %d links together", d.Omitted, r.MaxLinks)
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
